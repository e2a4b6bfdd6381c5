"""The shape of a rule table entry, and the decorator each family module fills its table with."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Rule:
    """A vector-Jacobian rule ``fn(ctx, grad) -> tuple`` (one entry per op input, None where no gradient).

    ``save``: what the node keeps for ``fn``: "" (nothing), "inputs", "out" or "both".
    ``meta``: record the inputs' shapes and dtypes (``ctx.shapes``/``ctx.dtypes``); the engine then also casts
    each gradient to its input's dtype and sums it down to its input's shape.
    ``bcast``: the op broadcasts its inputs; the engine sums gradients down to the inputs' shapes.
    ``keep``: with ``save`` of inputs, ``keep(edges) -> bools`` says which inputs the rule will read for this call
    (the others are saved as None): fewer arrays kept alive, and fewer false in-place-modification errors.
    """

    fn: Callable
    save: str = ""
    meta: bool = False
    bcast: bool = False
    keep: Callable | None = None


def rule_table():
    """A fresh ``{op name: Rule}`` table and the ``@rule(*names, save=, meta=, bcast=, keep=)`` decorator filling it."""
    table: dict[str, Rule] = {}

    def rule(*names: str, save: str = "", meta: bool = False, bcast: bool = False, keep: Callable | None = None):
        def deco(fn):
            for n in names:
                if n in table:
                    raise ValueError(f"gradient rule for {n!r} defined twice")
                table[n] = Rule(fn, save, meta, bcast, keep)
            return fn
        return deco

    return table, rule
