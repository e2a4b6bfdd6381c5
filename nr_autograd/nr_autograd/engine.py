"""The backward pass: walk the recorded graph from the outputs, call each node's rule once all of its
gradient has arrived, and accumulate into leaves (``backward``) or hand the gradients back (``grad``).

``ENGINE`` is what the plugin registers: nr_autograd's implementation of ``nr_core.grad_engine.GradEngine``.
Seeds and accumulations go straight to the backends' kernels through ``nr_core.dispatch`` (the inputs are
already valid), so a backward pass costs a small, constant number of Python frames per node.
"""
from __future__ import annotations

import sys
import threading
import weakref
from typing import Callable, Sequence

import numpy as np

import nr_core as nr
from nr_core.dispatch import EMPTY, create, run, wrap
from nr_core.grad_mode import state as _grad_state
from nr_core.ops.conversion import ASTYPE
from nr_core.ops.creation import FULL
from nr_core.optable import OPS
from nr_core.array_object import Tensor
from nr_core.profiler import _ACTIVE as _PROFILES
from nr_core.profiler import region as _profiled

from .node import FREED
from .recorder import record, record_computed

# hooks of non-leaf arrays live with their node (weakly keyed, so a dropped graph takes its hooks along)
_NODE_HOOKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_NODE_HOOKS_USED = [False]  # until a non-leaf hook exists, the walk skips the (Python-level) weak lookup


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook off again."""

    def __init__(self, hooks: list, fn: Callable) -> None:
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def register_hook(tensor: Tensor, fn: Callable) -> RemovableHandle:
    """Call ``fn(grad)`` when ``tensor``'s gradient is computed; a non-None return value replaces the gradient."""
    if not callable(fn):
        raise TypeError(f"register_hook: expected a callable, got {type(fn).__name__}")
    node = tensor._grad_fn
    if node is None:
        hooks = getattr(tensor, "_hooks", None)
        if hooks is None:
            hooks = tensor._hooks = []
    else:
        hooks = _NODE_HOOKS.get(node)
        if hooks is None:
            hooks = _NODE_HOOKS[node] = []
        _NODE_HOOKS_USED[0] = True
    hooks.append(fn)
    return RemovableHandle(hooks, fn)


def _run_hooks(hooks, g):
    for fn in tuple(hooks):
        out = fn(g)
        if out is not None:
            if not isinstance(out, Tensor) or out.shape != g.shape:
                raise RuntimeError(f"hook {getattr(fn, '__name__', fn)!r} returned {out!r}; a hook must return None "
                                   f"or an array of the gradient's shape {g.shape}")
            g = out
    return g


class _Callbacks(threading.local):
    # per thread: ranks of an in-process process group run their backward passes side by side
    def __init__(self) -> None:
        self.stack = []


_CALLBACKS = _Callbacks()


def queue_callback(fn: Callable[[], None]) -> None:
    """Run ``fn()`` once the backward pass running on this thread has finished, after every leaf's ``.grad``
    is written (PyTorch's ``Variable._execution_engine.queue_callback``). Call it from a gradient hook;
    callbacks run in the order queued, and are dropped if the pass raises."""
    if not callable(fn):
        raise TypeError(f"queue_callback: expected a callable, got {type(fn).__name__}")
    if not _CALLBACKS.stack:
        raise RuntimeError("queue_callback: no backward pass is running on this thread; call it from a gradient "
                           "hook (Tensor.register_hook)")
    _CALLBACKS.stack[-1].append(fn)


# ---- seeding --------------------------------------------------------------------------------
def _target(t: Tensor, what: str, i: int):
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: element {i} is a {type(t).__name__}, not an nr array")
    if not t._requires_grad:
        raise RuntimeError(f"{what}: element {i} of the arrays does not require grad and does not have a grad_fn")
    return t._grad_fn if t._grad_fn is not None else t


def _seed(t: Tensor, g, i: int) -> Tensor:
    if g is None:
        shape = t._data.shape
        if any(s != 1 for s in shape):
            raise RuntimeError(f"backward: grad can be implicitly created only for scalar outputs; output {i} has "
                               f"shape {t.shape}, so pass gradient= (or grad_outputs=) of that shape")
        return create(FULL, t._backend, t._device, t._dtype, {"shape": tuple(shape), "fill_value": 1})
    if not isinstance(g, Tensor):
        g = nr.asarray(g, dtype=t._dtype, device=t._device)
    if g.shape != t.shape:
        raise RuntimeError(f"backward: gradient {i} has shape {g.shape} but its output has shape {t.shape}")
    if g._device is not t._device:
        raise nr.DeviceMismatchError(f"backward: gradient {i} is on {g.device} but its output is on {t.device}")
    return g if g._dtype is t._dtype else nr.astype(g, t._dtype)


def _as_seq(x, what: str) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (list, tuple)):
        return tuple(x)
    raise TypeError(f"{what}: expected an nr array or a sequence of them, got {type(x).__name__}")


# ---- gradient fitting (unbroadcast, dtype) -------------------------------------------------
def _sum_to(g: Tensor, shape: tuple, op) -> Tensor:
    gs = g._data.shape
    lead = len(gs) - len(shape)
    if lead < 0:
        name = op if isinstance(op, str) else op.name()  # a node: named only when something is wrong
        raise RuntimeError(f"{name}: the gradient rule returned shape {gs} for an input of shape {shape}")
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and gs[lead + i] != 1)
    if axes:
        g = nr.sum(g, axis=axes, keepdims=True)
    return nr.reshape(g, shape)


def _fit(g: Tensor, shape, dtype, op) -> Tensor:
    if shape is not None and g._data.shape != shape:
        g = _sum_to(g, shape, op)
    if dtype is not None and g._dtype is not dtype:
        if g._dtype.kind == "complex" and dtype.kind != "complex":
            g = nr.real(g)  # a real input gets the real part of a complex gradient (PyTorch's convention)
        if g._dtype is not dtype:
            g = nr.astype(g, dtype)
    return g


def _sole_count() -> int:
    """What ``sys.getrefcount`` reports for an object that one local variable holds (interpreter-dependent:
    3.14 borrows argument references), so "nobody else holds it" can be asked portably."""
    probe = object()
    return sys.getrefcount(probe)


class _Slot:
    __slots__ = ("value",)


def _sole_attribute_count() -> int:
    holder = _Slot()
    holder.value = object()
    return sys.getrefcount(holder.value)


_SOLE = _sole_count()
_SOLE_BUFFER = _sole_attribute_count()


def _accumulate_leaf(t: Tensor, g: Tensor, create_graph: bool, sole: bool = False) -> None:
    """Add ``g`` into ``t.grad``. The first gradient is taken over when nothing else can see it (``sole``: the
    pass held the only reference, and its buffer is its own), else copied, as PyTorch's AccumulateGrad steals;
    later ones are added in place where the backend can, into the buffer ``.grad`` already holds."""
    if create_graph:
        t._grad = g if t._grad is None else t._grad + g
        return
    old = t._grad
    be = g._backend
    if old is None:
        if sole and g._version is None and sys.getrefcount(g._data) == _SOLE_BUFFER and be.owns(g._data):
            t._grad = g
        else:  # a read-only broadcast view, the caller's own array, or one shared with another leaf
            t._grad = run(ASTYPE, (g,), _COPY[g._dtype], g._dtype)
    elif old._dtype is not g._dtype or old._device is not g._device:
        t._grad = old + g  # a .grad the user assigned: the frontend promotes and checks
    elif be.capabilities.inplace_out and be.owns(old._data) and old._data.shape == g._data.shape:
        be.kernels["add"](old._data, g._data, out=old._data)
        old._bump_version()
    else:
        t._grad = run(_ADD, (old, g), EMPTY, g._dtype)


_ADD = OPS["add"]
_COPY = {dt: {"dtype": dt, "copy": True} for dt in nr._dtypes.ALL_DTYPES}


# ---- the walk -----------------------------------------------------------------------------
def _discover(roots: list) -> tuple[dict, dict]:
    """Every node and leaf reachable from ``roots`` (by id), and each one's parents (by id)."""
    objs, parents = {}, {}
    stack = list(roots)
    for r in roots:
        parents.setdefault(id(r), [])
    while stack:
        o = stack.pop()
        oid = id(o)
        if oid in objs:
            continue
        objs[oid] = o
        if not isinstance(o, Tensor):
            for e in o.edges:
                if e is not None:
                    parents.setdefault(id(e), []).append(oid)
                    if id(e) not in objs:
                        stack.append(e)
    return objs, parents


def _needed(objs: dict, parents: dict, capture: dict | None) -> set:
    if capture is None:
        return set(objs)
    needed = set()
    stack = [cid for cid in capture if cid in objs]
    while stack:
        oid = stack.pop()
        if oid in needed:
            continue
        needed.add(oid)
        stack.extend(p for p in parents.get(oid, ()) if p not in needed)
    return needed


def _add_to(buffers: dict, tgt, g, slot: int) -> None:
    tid = id(tgt)
    if isinstance(tgt, Tensor) or tgt.nout == 1:
        prev = buffers.get(tid)
        buffers[tid] = g if prev is None else prev + g
    else:
        buf = buffers.get(tid)
        if buf is None:
            buf = buffers[tid] = [None] * tgt.nout
        buf[slot] = g if buf[slot] is None else buf[slot] + g


def execute(roots: Sequence, grads: Sequence, keep_graph: bool, create_graph: bool,
            capture: dict | None = None) -> dict:
    """Run the backward pass from ``roots`` (nodes or leaf arrays) seeded with ``grads``.

    With ``capture`` (``{id(target): target}``), returns the total gradient reaching each captured target and
    leaves ``.grad`` alone; without it, accumulates into every leaf's ``.grad``.

    NumPy's floating-point warnings are off for the pass: a rule meeting an infinity or NaN of the forward pass
    (the masked branch of ``where(x > 0, log(x), 0)``) gives IEEE values, as PyTorch does, without a warning from
    nr's own code (one errstate per pass, not per op).
    """
    with np.errstate(all="ignore"):
        return _Pass(list(roots), keep_graph, create_graph, capture).run(grads)


class _Pass:
    """The state of one backward pass: which nodes take part, how many gradients each still waits for, the
    gradients gathered so far, and the nodes ready to run."""

    def __init__(self, roots: list, keep_graph: bool, create_graph: bool, capture: dict | None) -> None:
        self.roots, self.keep_graph, self.create_graph, self.capture = roots, keep_graph, create_graph, capture
        objs, parents = _discover(roots)
        self.needed = needed = _needed(objs, parents, capture)
        self.deps: dict[int, int] = {}
        for oid in needed:
            o = objs[oid]
            if not isinstance(o, Tensor):
                for e in o.edges:
                    if e is not None and id(e) in needed:
                        self.deps[id(e)] = self.deps.get(id(e), 0) + 1
        self.buffers: dict = {}
        self.captured: dict = {}

    def run(self, grads: Sequence) -> dict:
        for r, g in zip(self.roots, grads):
            _add_to(self.buffers, r, g, 0)
        ready = list({id(r): r for r in self.roots
                      if self.deps.get(id(r), 0) == 0 and id(r) in self.needed}.values())
        prev_mode = _grad_state.enabled
        _grad_state.enabled = self.create_graph
        callbacks: list = []
        _CALLBACKS.stack.append(callbacks)
        try:
            while ready:
                o = ready.pop()
                g = self.buffers.pop(id(o), None)
                if isinstance(o, Tensor):
                    # asked before the call: while its arguments are evaluated, g is on the stack too
                    sole = sys.getrefcount(g) == _SOLE
                    self._leaf(o, g, sole)
                else:
                    ready.extend(self._node(o, g))
            _grad_state.enabled = prev_mode
            while callbacks:  # a callback may queue more
                callbacks.pop(0)()
        finally:
            _CALLBACKS.stack.pop()
            _grad_state.enabled = prev_mode
        return self.captured

    def _leaf(self, t: Tensor, g, sole: bool) -> None:
        if g is None:
            return
        hooks = getattr(t, "_hooks", None)
        if hooks:
            g, sole = _run_hooks(hooks, g), False  # a hook may have kept it
        if self.capture is not None:
            self.captured[id(t)] = g
        else:
            _accumulate_leaf(t, g, self.create_graph, sole)

    def _node(self, o, g) -> list:
        """Run node ``o`` on its gathered gradient ``g``; the next nodes that became ready."""
        edges, needed = o.edges, self.needed
        if g is not None:
            hooks = _NODE_HOOKS.get(o) if _NODE_HOOKS_USED[0] else None
            if hooks:
                if o.nout != 1:
                    raise RuntimeError(f"{o.name()}: hooks on multi-output nodes are not supported")
                g = _run_hooks(hooks, g)
            if self.capture is not None and id(o) in self.capture:
                self.captured[id(o)] = g
        wanted = False
        if g is not None:
            for e in edges:  # a loop, not any(genexpr): no extra frame per node
                if e is not None and id(e) in needed:
                    wanted = True
                    break
        if not wanted:
            grads_in = (None,) * len(edges)
        else:
            grads_in = o.apply(g, self.create_graph) if not _PROFILES else \
                _profiled(o.name(), "backward", lambda: o.apply(g, self.create_graph))
            if len(grads_in) != len(edges):
                raise RuntimeError(f"{o.name()}: the gradient rule returned {len(grads_in)} gradients for "
                                   f"{len(edges)} inputs")
        if not self.keep_graph and o.saved is not None:
            o.saved = FREED  # Node.release, inline
        shapes = getattr(o, "shapes", None)
        dtypes = getattr(o, "dtypes", None)
        slot = getattr(o, "index", 0)
        ready = []
        for i, e in enumerate(edges):
            if e is None or id(e) not in needed:
                continue
            gi = grads_in[i]
            if gi is not None:
                if shapes or dtypes:
                    gi = _fit(gi, shapes[i] if shapes else None, dtypes[i] if dtypes else None, o)
                _add_to(self.buffers, e, gi, slot)
            self.deps[id(e)] -= 1
            if self.deps[id(e)] == 0:
                ready.append(e)
        return ready


# ---- the public entry points ----------------------------------------------------------------
def run_backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
    """``nr_autograd.backward(tensors, grad_tensors)``: backward from several outputs at once (PyTorch's
    ``torch.autograd.backward``)."""
    tensors = tensors if type(tensors) is tuple else _as_seq(tensors, "backward")
    gradients = grad_tensors
    if gradients is None or type(gradients) is tuple and len(gradients) == len(tensors):
        gradients = gradients or (None,) * len(tensors)
    else:
        gradients = _as_seq_grads(gradients, len(tensors))
    roots, seeds = [], []
    for i, t in enumerate(tensors):
        roots.append(_target(t, "backward", i))
        seeds.append(_seed(t, gradients[i], i))
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        execute(roots, seeds, keep, create_graph)
        return
    inputs = _as_seq(inputs, "backward(inputs=)")
    targets = [_target(t, "backward(inputs=)", i) for i, t in enumerate(inputs)]
    captured = execute(roots, seeds, keep, create_graph, {id(t): t for t in targets})
    for t, tgt in zip(inputs, targets):
        g = captured.get(id(tgt))
        if g is not None:
            _accumulate_leaf(t, _fit(g, t._data.shape, t._dtype, "backward"), create_graph)


def _as_seq_grads(grads, n: int) -> tuple:
    grads = (grads,) if isinstance(grads, Tensor) or grads is None else tuple(grads)
    if len(grads) != n:
        raise RuntimeError(f"backward: got {len(grads)} gradients for {n} outputs")
    return grads


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple, one per input), leaving ``.grad`` alone.

    ``grad_outputs`` weights each output (required for non-scalar outputs); ``create_graph=True`` records the
    backward pass itself, so the result can be differentiated again.
    """
    outputs = _as_seq(outputs, "grad(outputs)")
    inputs_seq = _as_seq(inputs, "grad(inputs)")
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else _as_seq_grads(grad_outputs, len(outputs))
    roots = [_target(t, "grad(outputs)", i) for i, t in enumerate(outputs)]
    seeds = [_seed(t, g, i) for i, (t, g) in enumerate(zip(outputs, grad_outputs))]
    targets = [_target(t, "grad(inputs)", i) for i, t in enumerate(inputs_seq)]
    keep = create_graph if retain_graph is None else retain_graph
    captured = execute(roots, seeds, keep, create_graph, {id(t): t for t in targets})
    result = []
    for i, (t, tgt) in enumerate(zip(inputs_seq, targets)):
        g = captured.get(id(tgt))
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; pass "
                                   "allow_unused=True to get None for it")
        else:
            g = _fit(g, t._data.shape, t._dtype, "grad")
        result.append(g)
    return tuple(result)


def check_inplace(tensor: Tensor, value) -> None:
    """Refuse in-place writes that the graph could not account for (``x[k] = v`` with autograd on)."""
    if tensor._grad_fn is None:
        if tensor._requires_grad:
            raise RuntimeError("__setitem__: a leaf array that requires grad cannot be modified in place; "
                               "do it under nr.no_grad() or on a .detach()ed copy")
        return
    op = OPS.get(getattr(tensor._grad_fn, "op", ""))
    if op is not None and op.view:
        # the write would change the base array too, whose graph knows nothing of it: refuse, never mislead
        raise RuntimeError(f"__setitem__: in-place write into a view (made by {op.name}) of an array that "
                           "requires grad is not supported; write into the base array or .clone() the view")


class Engine:
    """nr_autograd's ``nr_core.grad_engine.GradEngine``: the recorder and the backward pass.

    Static methods, so the dispatcher's slots hold the plain functions (no bound-method hop per op).
    """

    record = staticmethod(record)
    record_computed = staticmethod(record_computed)
    backward = staticmethod(run_backward)
    grad = staticmethod(grad)
    register_hook = staticmethod(register_hook)
    check_inplace = staticmethod(check_inplace)
    queue_callback = staticmethod(queue_callback)


ENGINE = Engine()
