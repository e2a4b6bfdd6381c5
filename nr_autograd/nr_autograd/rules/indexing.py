"""Gradient rules of indexing and sorting: getitem/setitem, take, take_along_axis, index_add, sort."""
from __future__ import annotations

import numpy as np

import nr_core as nr

from ..scatter import index_add
from ._table import rule_table
from ._util import zeros

RULES, rule = rule_table()


@rule("getitem", meta=True)
def _getitem(ctx, g):
    return (index_add(zeros(ctx.shapes[0], g), g, ctx.params["key"]),)


@rule("setitem", meta=True)
def _setitem(ctx, g):
    # x[key] = v: the overwritten part of x gets no gradient, v gets the gradient of the part it filled
    key = ctx.params["key"]
    gx = gv = None
    if ctx.edges[0] is not None:
        with nr.no_grad():
            kept = nr.ones(ctx.shapes[0], dtype=nr.bool, device=g.device)
            kept[key] = False
        gx = nr.where(kept, g, 0.0)
    if ctx.edges[1] is not None:
        gv = g[key]  # the engine sums it down to v's shape where v was broadcast
    return gx, gv


@rule("index_add", meta=True)
def _index_add(ctx, g):
    return g, (g[ctx.params["key"]] if ctx.edges[1] is not None else None)


@rule("take", save="inputs", meta=True)
def _take(ctx, g):
    axis = ctx.params["axis"]
    return index_add(zeros(ctx.shapes[0], g), g, (slice(None),) * axis + (ctx.inputs[1],)), None


def _along_axis_key(indices, axis: int) -> tuple:
    """The advanced-index key that picks ``take_along_axis(x, indices, axis)``'s elements out of ``x``."""
    grids = np.indices(indices.shape, sparse=True)
    return tuple(indices if d == axis else nr.asarray(grid.astype(np.int64), device=indices.device)
                 for d, grid in enumerate(grids))


def _scatter_along(shape, g, indices, axis: int):
    return index_add(zeros(shape, g), g, _along_axis_key(indices, axis))


@rule("take_along_axis", save="inputs", meta=True)
def _take_along_axis(ctx, g):
    return _scatter_along(ctx.shapes[0], g, ctx.inputs[1], ctx.params["axis"]), None


@rule("sort", save="inputs", meta=True)
def _sort(ctx, g):
    p = ctx.params
    idx = nr.argsort(ctx.inputs[0], axis=p["axis"], descending=p["descending"], stable=p["stable"])
    return (_scatter_along(ctx.shapes[0], g, idx, p["axis"]),)
