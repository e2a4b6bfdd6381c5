"""Gradient rules, one table per op family, written only in public nr_core ops (so every backend gets them
and ``create_graph=True`` differentiates them again). ``RULES`` is their union: op name -> ``Rule``."""
from __future__ import annotations

from . import elementwise, fft, indexing, linalg, products, reductions, shape, transfer
from ._table import Rule

RULES: dict[str, Rule] = {}
for _family in (elementwise, reductions, products, linalg, fft, shape, indexing, transfer):
    _dup = RULES.keys() & _family.RULES.keys()
    if _dup:
        raise ValueError(f"gradient rules defined in two families: {sorted(_dup)}")
    RULES.update(_family.RULES)
