"""Dynamic axes by comparison: the model is traced at the example sizes and again with each named axis grown;
every integer in the op parameters and shapes that moved with it becomes an affine ``Sym`` of that axis
(``k * batch + c``), checked at a third size. A graph whose structure changes with the size (Python control flow
over it) is refused rather than baked in."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import nr_core as nr
from nr_core.trace import Graph, Value


class NotSymbolic(ValueError):
    """Something in the trace changes with a dynamic axis in a way the graph cannot express."""


@dataclass(frozen=True)
class Sym:
    """``const + sum(k * size(axis))`` over named dynamic axes: ``terms`` holds ``(name, k)`` pairs."""

    const: int
    terms: tuple

    def __repr__(self) -> str:
        parts = [f"{k}*{s}" if k != 1 else s for s, k in self.terms]
        if self.const or not parts:
            parts.append(str(self.const))
        return " + ".join(parts)

    @property
    def plain(self) -> str | None:
        """The axis name when this is exactly one axis's size, else None."""
        if self.const == 0 and len(self.terms) == 1 and self.terms[0][1] == 1:
            return self.terms[0][0]
        return None


def grown(arrays: tuple, axes: dict, factor: int) -> tuple:
    """``arrays`` with every axis listed for a name in ``axes`` ({input index: [axis, ...]}) repeated
    ``factor`` times along itself (tiling keeps token ids, masks and other values valid)."""
    out = []
    for i, a in enumerate(arrays):
        if i in axes and isinstance(a, nr.Tensor):
            host = np.asarray(a._backend.to_host(a._data))
            for ax in axes[i]:
                reps = [1] * host.ndim
                reps[ax] = factor
                host = np.tile(host, reps)
            a = nr.asarray(host, device=a.device)
        out.append(a)
    return tuple(out)


class Symbolizer:
    """Compares a base trace with, per axis name, traces at twice and three times that axis's sizes."""

    def __init__(self, base: Graph, variants: dict, sizes: dict) -> None:
        self.base, self.variants, self.sizes = base, variants, sizes
        self._check_structure()
        # the same value in every trace, by its place: graph input i, param name, or (node, output)
        self._twin = {}
        for name, (g2, g3) in variants.items():
            for v, v2, v3 in zip(self._all_values(base), self._all_values(g2), self._all_values(g3)):
                self._twin.setdefault(v.id, {})[name] = (v2, v3)

    @staticmethod
    def _all_values(g: Graph):
        yield from g.inputs
        yield from g.params.values()
        for n in g.nodes:
            yield from n.outputs
            for v in n.input_values():
                if v.kind == "const":
                    yield v

    def _check_structure(self) -> None:
        for name, graphs in self.variants.items():
            for g, factor in zip(graphs, (2, 3)):
                ops = [n.op for n in self.base.nodes], [n.op for n in g.nodes]
                if ops[0] != ops[1] or len(g.outputs) != len(self.base.outputs):
                    raise NotSymbolic(
                        f"the traced graph changes when dynamic axis '{name}' changes size ({len(ops[0])} ops at "
                        f"the example size, {len(ops[1])} at {factor}x): Python control flow depends on it (an "
                        f"unrolled loop over it, a branch on a shape); export with that axis static")

    def _int(self, a: int, others: dict, what: str):
        terms, const = [], a
        for name, (a2, a3) in others.items():
            n = self.sizes[name]
            k, rem = divmod(a2 - a, n)
            if rem or a3 - a != 2 * k * n:
                raise NotSymbolic(f"{what} is {a}, {a2}, {a3} for '{name}' = {n}, {2 * n}, {3 * n}: not an affine "
                                  f"function of the axis")
            if k:
                terms.append((name, k))
                const -= k * n
        return Sym(const, tuple(terms)) if terms else a

    def merge(self, base, others: dict, what: str):
        """``base`` (a parameter from the base trace) with its twins ``others`` ({axis: (at 2x, at 3x)}) folded
        into ints, ``Sym``s and the same structure."""
        if isinstance(base, bool) or base is None:
            self._same(base, others, what)
            return base
        if isinstance(base, int):
            return self._int(base, others, what)
        if isinstance(base, (tuple, list)):
            for a2, a3 in others.values():
                if len(a2) != len(base) or len(a3) != len(base):
                    raise NotSymbolic(f"{what} changes length with a dynamic axis")
            items = [self.merge(b, {k: (v[0][i], v[1][i]) for k, v in others.items()}, what)
                     for i, b in enumerate(base)]
            return type(base)(items)
        if isinstance(base, dict):
            for a2, a3 in others.values():
                if set(a2) != set(base) or set(a3) != set(base):
                    raise NotSymbolic(f"{what} change keys with a dynamic axis")
            return {key: self.merge(b, {k: (v[0][key], v[1][key]) for k, v in others.items()}, f"{what}[{key}]")
                    for key, b in base.items()}
        if isinstance(base, slice):
            parts = [self.merge(getattr(base, f), {k: (getattr(v[0], f), getattr(v[1], f)) for k, v in
                                                    others.items()}, what) for f in ("start", "stop", "step")]
            return slice(*parts)
        if isinstance(base, Value):
            return base
        if isinstance(base, float):
            self._same(base, others, what, "a float that changes with a dynamic axis")
            return base
        self._same(base, others, what)
        return base

    @staticmethod
    def _same(base, others, what, why="a value that changes with a dynamic axis"):
        for a2, a3 in others.values():
            if not (a2 == base and a3 == base):
                raise NotSymbolic(f"{what} is {why} ({base!r}, then {a2!r}, {a3!r})")

    def node_twins(self, i: int) -> dict:
        return {name: (g2.nodes[i], g3.nodes[i]) for name, (g2, g3) in self.variants.items()}

    def shape(self, v: Value) -> tuple:
        twins = self._twin.get(v.id, {})
        return self.merge(v.shape, {k: (a.shape, b.shape) for k, (a, b) in twins.items()}, f"the shape of {v!r}")

    def foldable(self, v: Value) -> bool:
        """A constant-level value that is the same array in every trace."""
        if v.data is None:
            return False
        for a, b in self._twin.get(v.id, {}).values():
            if a.data is None or b.data is None or a.data.shape != v.data.shape or b.data.shape != v.data.shape \
                    or not (np.array_equal(a.data, v.data, equal_nan=True)
                            and np.array_equal(b.data, v.data, equal_nan=True)):
                return False
        return True
