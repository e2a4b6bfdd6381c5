"""Gradient rules of the shape ops: views (reshape, permute, broadcast, flip, ...) and copies (concat, stack,
tile, repeat, roll), plus ``tril``/``triu``."""
from __future__ import annotations

import numpy as np

import nr_core as nr

from ..scatter import index_add
from ._table import rule_table
from ._util import zeros

RULES, rule = rule_table()


@rule("reshape", "expand_dims", "squeeze", meta=True)
def _reshape(ctx, g):
    return (nr.reshape(g, ctx.shapes[0]),)


@rule("permute_dims")
def _permute_dims(ctx, g):
    axes = ctx.params["axes"]
    return (nr.permute_dims(g, tuple(sorted(range(len(axes)), key=axes.__getitem__))),)


@rule("broadcast_to", bcast=True)
def _broadcast_to(ctx, g):
    return (g,)  # the engine sums g down to the input's shape


@rule("matrix_transpose")
def _matrix_transpose(ctx, g):
    return (nr.matrix_transpose(g),)


@rule("moveaxis")
def _moveaxis(ctx, g):
    p = ctx.params
    return (nr.moveaxis(g, p["destination"], p["source"]),)


@rule("flip")
def _flip(ctx, g):
    return (nr.flip(g, axis=ctx.params["axis"]),)


@rule("roll")
def _roll(ctx, g):
    shift, axis = ctx.params["shift"], ctx.params["axis"]
    back = tuple(-s for s in shift) if isinstance(shift, tuple) else -shift
    return (nr.roll(g, back, axis=axis),)


@rule("concat", meta=True)
def _concat(ctx, g):
    axis = ctx.params["axis"]
    lead = (slice(None),) * axis
    out, start = [], 0
    for shape, edge in zip(ctx.shapes, ctx.edges):
        stop = start + shape[axis]
        out.append(g[lead + (slice(start, stop),)] if edge is not None else None)
        start = stop
    return tuple(out)


@rule("stack")
def _stack(ctx, g):
    lead = (slice(None),) * ctx.params["axis"]
    return tuple(g[lead + (i,)] if e is not None else None for i, e in enumerate(ctx.edges))


@rule("tile", meta=True)
def _tile(ctx, g):
    # view g as (r0, s0, r1, s1, ...) and sum the repetition axes
    shape = ctx.shapes[0]
    reps = tuple(ctx.params["repetitions"])
    n = max(len(shape), len(reps))
    reps = (1,) * (n - len(reps)) + reps
    padded = (1,) * (n - len(shape)) + tuple(shape)
    split = tuple(d for r, s in zip(reps, padded) for d in (r, s))
    summed = nr.sum(nr.reshape(g, split), axis=tuple(range(0, 2 * n, 2)))
    return (nr.reshape(summed, shape),)


@rule("repeat", meta=True)
def _repeat(ctx, g):
    # every output position came from one input position along the axis: scatter-add them back
    shape = ctx.shapes[0]
    axis = ctx.params["axis"]
    flat = axis is None
    src_shape = (int(np.prod(shape)),) if flat else shape
    axis = 0 if flat else axis
    n = src_shape[axis]
    counts = np.broadcast_to(np.asarray(ctx.params["repeats"], dtype=np.int64), (n,))
    idx = nr.asarray(np.repeat(np.arange(n, dtype=np.int64), counts), device=g.device)
    gx = index_add(zeros(src_shape, g), g, (slice(None),) * axis + (idx,))
    return (nr.reshape(gx, shape) if flat else gx,)


@rule("tril")
def _tril(ctx, g):
    return (nr.tril(g, k=ctx.params.get("k", 0)),)


@rule("triu")
def _triu(ctx, g):
    return (nr.triu(g, k=ctx.params.get("k", 0)),)
