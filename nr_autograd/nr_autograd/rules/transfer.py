"""Gradient rules of dtype casts and device moves: the gradient goes back to the input's dtype and device."""
from __future__ import annotations

from ._table import rule_table

RULES, rule = rule_table()


@rule("astype", meta=True)
def _astype(ctx, g):
    return (g,)  # the engine casts it back to the input's dtype (the real part for a real input)


@rule("to_device")
def _to_device(ctx, g):
    return (g.to_device(ctx.params["source"]),)
