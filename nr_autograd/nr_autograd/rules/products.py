"""Gradient rules of ``matmul``, ``tensordot`` and ``vecdot`` (batch dimensions are unbroadcast by the engine)."""
from __future__ import annotations

import nr_core as nr

from ._table import rule_table
from ._util import conj

RULES, rule = rule_table()


@rule("matmul", save="inputs", bcast=True)
def _matmul(ctx, g):
    a, b = ctx.inputs
    # lift 1-D operands to matrices, and g with them (restore b's dropped last axis first, then a's)
    a2 = nr.expand_dims(a, axis=0) if a.ndim == 1 else a
    b2 = nr.expand_dims(b, axis=-1) if b.ndim == 1 else b
    g2 = nr.expand_dims(g, axis=-1) if b.ndim == 1 else g
    g2 = nr.expand_dims(g2, axis=-2) if a.ndim == 1 else g2
    ga = gb = None
    if ctx.edges[0] is not None:
        ga = nr.matmul(g2, conj(nr.matrix_transpose(b2)))
        ga = ga[..., 0, :] if a.ndim == 1 else ga
    if ctx.edges[1] is not None:
        gb = nr.matmul(conj(nr.matrix_transpose(a2)), g2)
        gb = gb[..., 0] if b.ndim == 1 else gb
    return ga, gb


def _inverse(perm) -> tuple:
    return tuple(sorted(range(len(perm)), key=list(perm).__getitem__))


@rule("tensordot", save="inputs")
def _tensordot(ctx, g):
    a, b = ctx.inputs
    a1, a2 = ctx.params["axes"]
    free1 = tuple(i for i in range(a.ndim) if i not in a1)
    free2 = tuple(i for i in range(b.ndim) if i not in a2)
    n1 = len(free1)
    ga = gb = None
    if ctx.edges[0] is not None:
        # contract g's b-part with b's free axes; b's remaining (contracted) axes come out in increasing order
        ga = nr.tensordot(g, conj(b), axes=(tuple(range(n1, g.ndim)), free2))
        rest = sorted(a2)
        ga = nr.permute_dims(ga, _inverse(free1 + tuple(a1[a2.index(j)] for j in rest)))
    if ctx.edges[1] is not None:
        gb = nr.tensordot(conj(a), g, axes=(free1, tuple(range(n1))))
        rest = sorted(a1)
        gb = nr.permute_dims(gb, _inverse(tuple(a2[a1.index(i)] for i in rest) + free2))
    return ga, gb


@rule("vecdot", save="inputs", bcast=True)
def _vecdot(ctx, g):
    # out = sum(conj(x1) * x2): d/dx1 takes conj(g) * x2, d/dx2 takes g * x1
    x1, x2 = ctx.inputs
    ge = nr.expand_dims(g, axis=ctx.params["axis"])
    e = ctx.edges
    return (conj(ge) * x2 if e[0] is not None else None), (ge * x1 if e[1] is not None else None)
