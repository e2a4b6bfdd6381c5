"""Gradient rules of the reductions and scans: sum/mean/prod/max/min/var/std/logsumexp, cumulative sums and
products, diff."""
from __future__ import annotations

import nr_core as nr

from ._table import rule_table
from ._util import conj, count, expand, keep_dims, mulc, zeros

RULES, rule = rule_table()


def _axes(ctx):
    p = ctx.params
    return ctx.shapes[0], p["axis"], p["keepdims"]


@rule("sum", meta=True)
def _sum(ctx, g):
    return (expand(g, *_axes(ctx)),)


@rule("mean", meta=True)
def _mean(ctx, g):
    shape, axis, keepdims = _axes(ctx)
    return (expand(g, shape, axis, keepdims) / count(shape, axis),)


@rule("prod", save="inputs", meta=True)
def _prod(ctx, g):
    # d prod / d x_i = product of the others: exclusive products from the left and from the right, exact with zeros
    (x,) = ctx.inputs
    shape, axis, keepdims = _axes(ctx)
    red = tuple(range(len(shape))) if axis is None else axis
    keep = tuple(i for i in range(len(shape)) if i not in red)
    order = keep + red
    n = count(shape, axis)
    flat = nr.reshape(nr.permute_dims(x, order), tuple(shape[i] for i in keep) + (n,))
    left = nr.cumulative_prod(flat, axis=-1, include_initial=True)[..., :-1]
    right = nr.flip(nr.cumulative_prod(nr.flip(flat, axis=-1), axis=-1, include_initial=True)[..., :-1], axis=-1)
    gk = nr.reshape(g, tuple(shape[i] for i in keep) + (1,))
    gx = nr.reshape(mulc(gk, left * right), tuple(shape[i] for i in order))
    inverse = tuple(sorted(range(len(order)), key=order.__getitem__))
    return (nr.permute_dims(gx, inverse),)


def _extremum(ctx, g):
    # the gradient goes to every element equal to the extremum, split evenly on ties (PyTorch's amax/amin)
    (x,) = ctx.inputs
    shape, axis, keepdims = _axes(ctx)
    hit = x == keep_dims(ctx.out, shape, axis, keepdims)
    n = nr.sum(nr.astype(hit, x.dtype), axis=axis, keepdims=True)
    return (nr.where(hit, keep_dims(g, shape, axis, keepdims) / n, 0.0),)


rule("max", save="both", meta=True)(_extremum)
rule("min", save="both", meta=True)(_extremum)


def _centered(ctx):
    (x,) = ctx.inputs
    shape, axis, keepdims = _axes(ctx)
    return x - nr.mean(x, axis=axis, keepdims=True), count(shape, axis) - ctx.params.get("correction", 0.0)


@rule("var", save="inputs", meta=True)
def _var(ctx, g):
    d, dof = _centered(ctx)
    return (keep_dims(g, *_axes(ctx)) * (2.0 / dof) * d,)


@rule("std", save="both", meta=True)
def _std(ctx, g):
    d, dof = _centered(ctx)
    shape, axis, keepdims = _axes(ctx)
    out = keep_dims(ctx.out, shape, axis, keepdims)
    # where std is 0 every element equals the mean; the gradient there is 0 (PyTorch's choice), not 0/0
    return (nr.where(out == 0, 0.0, keep_dims(g, shape, axis, keepdims) * d / (dof * out)),)


@rule("logsumexp", save="both", meta=True)
def _logsumexp(ctx, g):
    (x,) = ctx.inputs
    shape, axis, keepdims = _axes(ctx)
    return (keep_dims(g, shape, axis, keepdims) * nr.exp(x - keep_dims(ctx.out, shape, axis, keepdims)),)


# ---- scans ------------------------------------------------------------------------------------
def _drop_initial(g, axis: int, include_initial: bool):
    return g[(slice(None),) * axis + (slice(1, None),)] if include_initial else g


@rule("cumulative_sum", meta=True)
def _cumulative_sum(ctx, g):
    axis = ctx.params["axis"]
    g = _drop_initial(g, axis, ctx.params["include_initial"])
    return (nr.flip(nr.cumulative_sum(nr.flip(g, axis=axis), axis=axis), axis=axis),)


@rule("cumulative_prod", save="inputs", meta=True)
def _cumulative_prod(ctx, g):
    # grad_i = sum_{k >= i} g_k * conj(prod_{j <= k, j != i} x_j): row i of P is the running product of x with
    # x_i replaced by 1, which stays exact when x holds zeros (O(n^2) along the scanned axis)
    (x,) = ctx.inputs
    axis = ctx.params["axis"]
    g = nr.moveaxis(_drop_initial(g, axis, ctx.params["include_initial"]), axis, -1)
    xm = nr.moveaxis(x, axis, -1)
    n = xm.shape[-1]
    eye = nr.eye(n, dtype=nr.bool, device=x.device)
    p = nr.cumulative_prod(nr.where(eye, nr.ones((), dtype=x.dtype, device=x.device),
                                    nr.expand_dims(xm, axis=-2)), axis=-1)
    upper = nr.triu(nr.ones((n, n), dtype=nr.bool, device=x.device))
    gx = nr.sum(nr.where(upper, nr.expand_dims(g, axis=-2) * conj(p), 0.0), axis=-1)
    return (nr.moveaxis(gx, -1, axis),)


@rule("diff", meta=True)
def _diff(ctx, g):
    # adjoint of one step y_k = x_{k+1} - x_k: pad g with a zero slab on each side and subtract; n steps
    axis, n = ctx.params["axis"], ctx.params.get("n", 1)
    axis %= len(ctx.shapes[0])
    for _ in range(n):
        slab = zeros(g.shape[:axis] + (1,) + g.shape[axis + 1:], g)
        g = nr.concat([slab, g], axis=axis) - nr.concat([g, slab], axis=axis)
    return (g,)
