"""Custom differentiable ops: subclass ``Function`` with ``forward(ctx, ...)`` and ``backward(ctx, *grads)``
static methods and call ``MyOp.apply(...)``, as in PyTorch."""
from __future__ import annotations

from typing import Any

import nr_core as nr
from nr_core.grad_mode import no_grad
from nr_core.grad_mode import state as _grad_state
from nr_core.array_object import Tensor

from .node import FREED, OutputNode, attach, detached_alias, version_of
from .recorder import _GRAD_DTYPES


class FunctionCtx:
    """What ``forward`` and ``backward`` share: ``save_for_backward``/``saved_tensors``, ``needs_input_grad``,
    ``mark_non_differentiable``, and any attribute ``forward`` sets (non-array values are best kept there)."""

    needs_input_grad: tuple[bool, ...] = ()

    def __init__(self) -> None:
        self._to_save: tuple = ()
        self._saved_now: tuple | None = None
        self._non_diff: tuple = ()

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: expected nr arrays or None, got {type(t).__name__}; keep other "
                                "values as attributes of ctx")
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._saved_now is None:
            raise RuntimeError("saved_tensors: only readable inside backward (and not after the graph was freed)")
        return self._saved_now


class FunctionNode:
    """The graph node of one ``Function.apply`` call."""

    __slots__ = ("edges", "ctx", "fn", "nout", "saved", "out_meta", "__weakref__")
    op = "function"

    def name(self) -> str:
        return f"{self.fn.__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple:
        return self.edges

    def _unpack(self, create_graph: bool) -> tuple:
        if self.saved is FREED:
            raise RuntimeError(f"{self.name()}: trying to backward through the graph a second time (or to read saved "
                               "arrays after they were freed); pass retain_graph=True to the first backward call")
        if self.saved is None:
            return ()
        items, out_index, versions = self.saved
        for i, (t, v) in enumerate(zip(items, versions)):
            if t is not None and version_of(t) != v:
                raise RuntimeError(f"{self.name()}: saved array {i} (shape {t.shape}) has been modified by an in-place "
                                   f"operation (version {version_of(t)}, expected {v}); clone it before modifying it")
        if not create_graph:
            return items
        return tuple(t if j < 0 else attach(t, OutputNode(self, j) if self.nout > 1 else self)
                     for t, j in zip(items, out_index))

    def apply(self, g, create_graph: bool) -> tuple:
        grads = tuple(g) if self.nout > 1 else (g,)
        grads = tuple(nr.zeros(m[0], dtype=m[1], device=m[2]) if gi is None and m is not None else gi
                      for gi, m in zip(grads, self.out_meta))
        ctx = self.ctx
        ctx._saved_now = self._unpack(create_graph)
        try:
            res = self.fn.backward(ctx, *grads)
        finally:
            ctx._saved_now = None
        res = res if isinstance(res, tuple) else (res,)
        n = len(self.edges)
        if len(res) < n or any(r is not None for r in res[n:]):
            raise RuntimeError(f"{self.name()}: backward returned {len(res)} gradients but forward took {n} inputs")
        for i, (r, e) in enumerate(zip(res, self.edges)):
            if e is not None and r is not None and not isinstance(r, Tensor):
                raise TypeError(f"{self.name()}: backward returned a {type(r).__name__} for input {i}; expected an "
                                "nr array or None")
        return res[:n]

    def release(self) -> None:
        if self.saved is not None:
            self.saved = FREED


class Function:
    """Base class of custom ops. Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as
    static methods; ``backward`` returns one gradient (or None) per ``forward`` argument."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise TypeError("Function subclasses must define a forward(ctx, ...) staticmethod")

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise TypeError("Function subclasses must define a backward(ctx, *grads) staticmethod")

    @classmethod
    def apply(cls, *args, **kwargs):
        if cls.forward is Function.forward or cls.backward is Function.backward:
            raise TypeError(f"{cls.__name__}: a Function needs both forward and backward staticmethods")
        ctx = FunctionCtx()
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx.needs_input_grad = needs
        with no_grad():
            raw = cls.forward(ctx, *args, **kwargs)
        if not (_grad_state.enabled and any(needs)):
            return raw
        outs = raw if isinstance(raw, tuple) else (raw,)
        node = object.__new__(FunctionNode)
        node.fn, node.ctx, node.nout = cls, ctx, len(outs)
        node.edges = tuple((a._grad_fn or a) if n else None for a, n in zip(args, needs))
        non_diff = {id(t) for t in ctx._non_diff}
        final = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                if any(o is a for a in args):
                    o = detached_alias(o)  # forward returned an input: the output is a new array over its data
                if o._dtype in _GRAD_DTYPES and id(outs[i]) not in non_diff:
                    o._requires_grad = True
                    o._grad_fn = node if len(outs) == 1 else OutputNode(node, i)
            final.append(o)
        node.out_meta = tuple((o.shape, o._dtype, o._device) if isinstance(o, Tensor) else None for o in final)
        node.saved = _save(ctx._to_save, outs) if ctx._to_save else None
        ctx._to_save = ()
        return final[0] if not isinstance(raw, tuple) else tuple(final)


def _save(tensors: tuple, outs: tuple) -> tuple:
    # saved outputs are kept as detached aliases (the node must not hold its own outputs: a cycle)
    items, out_index = [], []
    for t in tensors:
        j = next((k for k, o in enumerate(outs) if o is t), -1)
        items.append(detached_alias(t) if j >= 0 else t)
        out_index.append(j)
    return tuple(items), tuple(out_index), tuple(version_of(t) for t in items)
