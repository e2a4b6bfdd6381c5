"""The tracer: an interceptor (``dispatch.intercepting``) that records each op-table call it sees into a ``Graph``.

Only the outermost call is recorded: where a backend has no kernel and the op runs its decomposition, the
decomposition's own ops pass the tracer unrecorded. ``expand(opdef)`` asks for the opposite: such ops are traced
through their registered decomposition instead of being called, so a consumer that cannot take an op gets it in
smaller ones. Arrays the trace meets without having made them become constants (host copies), unless the caller
named them (``params``). Python reads of input-dependent values are recorded as ``HostRead``s.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import weakref
from typing import Any, Callable, Iterator

import numpy as np

from .. import dispatch
from ..optable import DECOMPOSITIONS
from ..array_object import Tensor
from .ir import CONST, INPUT, PARAM, Graph, HostRead, Node, Value

_CORE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_validating = threading.local()


@contextlib.contextmanager
def validation() -> Iterator[None]:
    """Mark the reads of array values inside the block as input validation (they raise on bad input and steer
    nothing else), so a tracer does not report them as value-dependent control flow."""
    _validating.depth = getattr(_validating, "depth", 0) + 1
    try:
        yield
    finally:
        _validating.depth -= 1


class Tracer:
    """Records into ``self.graph`` while ``with tracer.active():`` runs. One tracer traces one call at a time."""

    def __init__(self, params: dict[str, Tensor] | None = None, expand: Callable | None = None) -> None:
        self.graph = Graph()
        self._expand = expand
        self._values: dict[int, tuple[weakref.ref, Value]] = {}
        # by buffer: an array made around a traced array's buffer outside the op table (``detach()``, a
        # Parameter wrapping an array) is that same value
        self._buffers: dict[int, tuple[weakref.ref, Value]] = {}
        self._ids = 0
        self._depth = 0
        self._scopes: list[str] = []
        self._thread = threading.get_ident()
        for name, t in (params or {}).items():
            v = self._new(t, "param", PARAM, name=name)
            self.graph.params[name] = v

    # ---- values ------------------------------------------------------------------------------
    def _new(self, t: Tensor, kind: str, level: int, name: str | None = None, data=None) -> Value:
        self._ids += 1
        v = Value(self._ids, t.shape, t._dtype, kind, level, name=name, data=data)
        self._values[id(t)] = (weakref.ref(t), v)
        self._buffers[id(t._data)] = (weakref.ref(t), v)
        return v

    def value_of(self, t: Tensor) -> Value:
        """The Value of ``t``; an array the trace has not seen becomes a constant."""
        hit = self._values.get(id(t))
        if hit is not None and hit[0]() is t:
            return hit[1]
        hit = self._buffers.get(id(t._data))
        if hit is not None:
            owner = hit[0]()
            if owner is not None and owner._data is t._data and owner._dtype is t._dtype:
                self._values[id(t)] = (weakref.ref(t), hit[1])
                return hit[1]
        return self._new(t, "const", CONST, data=_host(t))

    def input(self, t: Tensor, name: str) -> Value:
        v = self._new(t, "input", INPUT, name=name)
        self.graph.inputs.append(v)
        return v

    def _arg(self, x):
        if isinstance(x, Tensor):
            return self.value_of(x)
        if isinstance(x, tuple):
            return tuple(self._arg(i) for i in x)
        if isinstance(x, list):
            return [self._arg(i) for i in x]
        return x

    # ---- scopes --------------------------------------------------------------------------------
    def push_scope(self, name: str) -> None:
        self._scopes.append(name)

    def pop_scope(self) -> None:
        self._scopes.pop()

    @property
    def scope(self) -> str:
        return self._scopes[-1] if self._scopes else ""

    # ---- the interceptor -----------------------------------------------------------------------
    def _intercept(self, op, inputs, params, proceed):
        if self._depth or threading.get_ident() != self._thread:
            return proceed(inputs, params)
        if self._expand is not None and op.name in DECOMPOSITIONS and self._expand(op):
            out = self._expanded(op, inputs, params)
            if out is not None:
                return out
        ins = tuple(self._arg(x) for x in inputs)
        pars = {k: self._arg(v) for k, v in params.items()}
        self._depth += 1
        try:
            out = proceed(inputs, params)
        finally:
            self._depth -= 1
        node = Node(op.name, ins, pars, (), self.scope)
        deps = [v.level for v in node.input_values()]
        level = max(deps, default=CONST)
        outs = out if isinstance(out, tuple) else (out,)
        values = []
        for i, o in enumerate(outs):
            v = self._new(o, "node", level, data=_host(o) if level == CONST else None)
            v.producer, v.index = node, i
            values.append(v)
        node.outputs = tuple(values)
        self.graph.nodes.append(node)
        if op.name == "setitem" and isinstance(inputs[0], Tensor):
            # the frontend writes the result back into the array object: later reads of it see the new value
            self._values[id(inputs[0])] = (weakref.ref(inputs[0]), values[0])
        return out

    def _expanded(self, op, inputs, params):
        """The op through its decomposition, recorded op by op; None (nothing recorded) when the decomposition
        cannot stand for the op in a graph: it fails here (a host fallback already on the host) or returns arrays
        the trace did not see made (drawn or computed on the host), which would be baked in as constants."""
        marks = len(self.graph.nodes), len(self.graph.host_reads)
        fn = DECOMPOSITIONS[op.name]
        try:
            out = fn(**params) if op.kind == "creation" else fn(*inputs, **params)
        except Exception:
            out = None
        outs = out if isinstance(out, tuple) else (out,)
        made = {id(o) for n in self.graph.nodes[marks[0]:] for o in n.outputs}
        if out is not None and all(self._made_here(o, made, inputs) for o in outs):
            return out
        del self.graph.nodes[marks[0]:]
        del self.graph.host_reads[marks[1]:]
        return None

    def _made_here(self, t, made: set, inputs) -> bool:
        """``t`` came out of a node the expansion recorded, or is one of the op's own inputs."""
        if not isinstance(t, Tensor):
            return False
        if any(t is x for x in inputs):
            return True
        hit = self._values.get(id(t))
        return hit is not None and hit[0]() is t and id(hit[1]) in made

    def _host_read(self, t: Tensor, how: str) -> None:
        if threading.get_ident() != self._thread or self._depth or getattr(_validating, "depth", 0):
            return
        hit = self._values.get(id(t))
        if hit is None or hit[0]() is not t or hit[1].level < INPUT:
            return
        self.graph.host_reads.append(HostRead(how, hit[1], self.scope, _caller()))

    @contextlib.contextmanager
    def active(self) -> Iterator["Tracer"]:
        with dispatch.intercepting(self._intercept, host_read=self._host_read):
            yield self


def trace(fn: Callable, args: tuple, *, params: dict[str, Tensor] | None = None, input_names=None,
          expand: Callable | None = None, tracer: Tracer | None = None) -> Graph:
    """Call ``fn(*args)`` once, recording every op-table call into a ``Graph``.

    ``args``: the example inputs (nr arrays; other arguments are passed through as constants of the trace).
    ``params``: named arrays (a module's parameters and buffers) that become ``param`` values rather than
    constants. ``expand(opdef) -> bool``: ops to trace through their decomposition.
    """
    t = tracer or Tracer(params, expand)
    names = list(input_names or [])
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            t.input(a, names[i] if i < len(names) else f"input_{i}")
    with t.active():
        result = fn(*args)
    flat: list = []
    t.graph.output_tree = _flatten(result, flat, t)
    t.graph.outputs = flat
    return t.graph


def _flatten(obj, flat: list, t: Tracer):
    if isinstance(obj, Tensor):
        flat.append(t.value_of(obj))
        return len(flat) - 1
    if isinstance(obj, (tuple, list)):
        return type(obj)(_flatten(o, flat, t) for o in obj)
    if obj is None:
        return None
    raise TypeError(f"trace: the traced function must return nr arrays (or tuples/lists of them), got "
                    f"{type(obj).__name__}")


def _host(t: Tensor) -> np.ndarray:
    # straight from the backend: a copy for the IR is not the traced program reading the value
    return np.array(t._backend.to_host(t._data), copy=True)


def _caller() -> str:
    f: Any = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_CORE_DIR):
        f = f.f_back
    return f"{f.f_code.co_filename}:{f.f_lineno}" if f is not None else "?"
