"""Graph nodes: one per recorded op, holding what its gradient rule needs and the edges to its inputs' nodes.

A node never holds its own output Tensor (that would be a reference cycle): saved outputs are kept as
detached aliases of the same buffer and re-attached to the node only while a ``create_graph`` backward
runs. Edges are taken at record time (an input's ``grad_fn``, or the input itself when it is a leaf), so
an in-place op that later rebases an input's ``grad_fn`` does not rewire earlier nodes.
"""
from __future__ import annotations

from typing import Any, Callable

from nr_core.dispatch import wrap
from nr_core.array_object import Tensor

FREED = ("freed",)  # sentinel in ``Node.saved`` once backward has released the saved arrays


def version_of(t) -> int:
    v = t._version if isinstance(t, Tensor) else None
    return v[0] if v else 0


def detached_alias(t: Tensor) -> Tensor:
    """A grad-less Tensor over ``t``'s buffer that shares its version counter (the node keeps this, not ``t``)."""
    if t._version is None:
        t._version = [0]
    a = wrap(t._data, t._backend, t._device, t._dtype)
    a._version = t._version
    return a


class Node:
    """Base of every graph node. Subclasses set ``rule`` and ``op``; ``nout > 1`` for multi-output ops.

    Rules see the node as ``ctx``: ``ctx.inputs`` (saved inputs), ``ctx.out`` (saved output),
    ``ctx.params``, ``ctx.shapes``/``ctx.dtypes`` (input metadata, when recorded), ``ctx.needs``.
    """

    __slots__ = ("edges", "params", "saved", "shapes", "dtypes", "__weakref__")
    op = "node"
    nout = 1
    rule: Callable  # set by node_class: the op's vjp, called as rule(ctx, grad)

    # ---- what rules read ---------------------------------------------------------------------
    @property
    def inputs(self) -> tuple:
        return self._saved()[0]

    @property
    def out(self) -> Any:
        return self._saved()[1]

    @property
    def needs(self) -> tuple[bool, ...]:
        return tuple(e is not None for e in self.edges)

    @property
    def next_functions(self) -> tuple:
        """The nodes (or leaf arrays) this node sends gradients to, PyTorch-style."""
        return self.edges

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # ---- what the engine calls -------------------------------------------------------------
    def _saved(self):
        saved = self.saved
        if saved is FREED:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time (or to read saved "
                "arrays after they were freed). The saved arrays of the graph are freed after .backward() or "
                "autograd.grad(); pass retain_graph=True to the first call if you need to backward twice.")
        if saved is None:
            raise RuntimeError(f"{type(self).__name__}: the gradient rule of {self.op!r} read saved arrays, but its "
                               f"rule table entry does not save them")
        return saved

    def check_versions(self) -> None:
        inputs, out, versions = self._saved()
        items = tuple(inputs or ()) + (out if type(out) is tuple else (out,))
        for i, (t, v) in enumerate(zip(items, versions)):  # version_of inline: it runs for every node, every pass
            cur = t._version if isinstance(t, Tensor) else None
            now = cur[0] if cur else 0
            if now != v:
                what = f"input {i}" if inputs is not None and i < len(inputs) else "its output"
                raise RuntimeError(
                    f"{type(self).__name__}: one of the arrays needed for gradient computation has been modified by "
                    f"an in-place operation: {what} of {self.op} (shape {t.shape}, {t.dtype.name}) is at version "
                    f"{now}, expected version {v}. Clone it (x.clone()) before modifying it in place, or modify "
                    "a copy.")

    def apply(self, g, create_graph: bool) -> tuple:
        """Input gradients for output gradient ``g`` (a tuple of them when ``nout > 1``)."""
        saved = self.saved
        if saved is None:
            return self.rule(self, g)
        self.check_versions()
        if create_graph and saved[1] is not None:
            # the rule may differentiate through the output: show it the output attached to this node
            self.saved = (saved[0], attach(saved[1], self), saved[2])
            try:
                return self.rule(self, g)
            finally:
                self.saved = saved
        return self.rule(self, g)

    def release(self) -> None:
        if self.saved is not None:
            self.saved = FREED


class OutputNode:
    """Output ``index`` of a multi-output node: forwards its gradient into that slot of the parent's buffer."""

    __slots__ = ("edges", "index", "__weakref__")
    nout = 1
    op = "output"
    saved = None  # nothing to release

    def __init__(self, parent, index: int) -> None:
        self.edges = (parent,)
        self.index = index

    @property
    def next_functions(self) -> tuple:
        return self.edges

    def name(self) -> str:
        return f"{type(self.edges[0]).__name__}[{self.index}]"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def apply(self, g, create_graph: bool) -> tuple:
        return (g,)

    def release(self) -> None:
        return None


def attach(saved_out, node):
    """Saved output alias(es) re-attached to ``node`` so that a create_graph backward can differentiate them."""
    if isinstance(saved_out, tuple):
        return tuple(None if a is None else _attached(a, OutputNode(node, i)) for i, a in enumerate(saved_out))
    return _attached(saved_out, node)


def _attached(alias: Tensor, grad_fn) -> Tensor:
    t = wrap(alias._data, alias._backend, alias._device, alias._dtype)
    t._version = alias._version
    t._requires_grad = True
    t._grad_fn = grad_fn
    return t


def node_class(op: str, rule: Callable, nout: int = 1) -> type:
    """The node type of ``op`` (``multiply`` -> ``MultiplyBackward``), carrying its gradient rule."""
    camel = "".join(p.capitalize() for p in op.replace(".", "_").split("_"))
    return type(f"{camel}Backward", (Node,), {"__slots__": (), "op": op, "rule": staticmethod(rule), "nout": nout})
