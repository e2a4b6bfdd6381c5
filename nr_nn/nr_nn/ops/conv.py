"""Convolution ops (N-d): ``conv``, its adjoint ``conv_transpose`` and ``conv_weight_grad``.

Each has a decomposition in nr ops (im2col from strided slices, one matmul) and a gradient rule made of the
other two, so every order of derivative stays inside this closed family. Spatial parameters are tuples,
``padding`` a tuple of ``(lo, hi)`` pairs (negative ``hi`` extends the adjoint's output with zeros).
"""
from __future__ import annotations

import math

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.optable import OpDef

from ._grid import dilate, im2col, pad

CONV = OpDef("conv", "nn", 2, "real floating-point", primitive=False)
CONV_TRANSPOSE = OpDef("conv_transpose", "nn", 2, "real floating-point", primitive=False)
CONV_WEIGHT_GRAD = OpDef("conv_weight_grad", "nn", 2, "real floating-point", primitive=False)


def conv(x, w, stride, padding, dilation, groups):
    return apply(CONV, (x, w), {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
                 x.dtype)


def conv_transpose(x, w, stride, padding, dilation, groups):
    return apply(CONV_TRANSPOSE, (x, w), {"stride": stride, "padding": padding, "dilation": dilation,
                                          "groups": groups}, x.dtype)


def conv_weight_grad(x, gy, weight_shape, stride, padding, dilation, groups):
    return apply(CONV_WEIGHT_GRAD, (x, gy), {"weight_shape": tuple(weight_shape), "stride": stride,
                                             "padding": padding, "dilation": dilation, "groups": groups}, x.dtype)


# ---- decompositions ---------------------------------------------------------------------------
def _grouped_cols(x, ksize, stride, padding, dilation, groups, out_sp=None):
    """im2col of the padded input, split by group: (N, G, C/G, *out, K)."""
    cols = im2col(pad(x, padding), ksize, stride, dilation)
    if out_sp is not None:
        cols = cols[(slice(None), slice(None)) + tuple(slice(0, o) for o in out_sp)]
    n, c = x.shape[:2]
    return nr.reshape(cols, (n, groups, c // groups) + cols.shape[2:])


def conv_decomposition(x, w, stride, padding, dilation, groups):
    nd = x.ndim - 2
    cols = _grouped_cols(x, w.shape[2:], stride, padding, dilation, groups)
    n, g, cg = cols.shape[:3]
    out_sp = cols.shape[3:3 + nd]
    f, k = w.shape[0], cols.shape[-1]
    cols = nr.permute_dims(cols, (1, 0) + tuple(range(3, 3 + nd)) + (2, 3 + nd))
    cols = nr.reshape(cols, (g, n * math.prod(out_sp), cg * k))
    wg = nr.reshape(w, (g, f // g, cg * k))
    out = nr.reshape(nr.matmul(cols, nr.matrix_transpose(wg)), (g, n) + out_sp + (f // g,))
    out = nr.permute_dims(out, (1, 0, nd + 2) + tuple(range(2, 2 + nd)))
    return nr.reshape(out, (n, f) + out_sp)


def conv_weight_grad_decomposition(x, gy, weight_shape, stride, padding, dilation, groups):
    nd = x.ndim - 2
    out_sp = gy.shape[2:]
    cols = _grouped_cols(x, weight_shape[2:], stride, padding, dilation, groups, out_sp)
    n, g, cg = cols.shape[:3]
    k = cols.shape[-1]
    cols = nr.permute_dims(cols, (1, 2, 3 + nd, 0) + tuple(range(3, 3 + nd)))
    cols = nr.reshape(cols, (g, cg * k, n * math.prod(out_sp)))
    f = gy.shape[1]
    gyg = nr.permute_dims(nr.reshape(gy, (n, g, f // g) + out_sp), (1, 2, 0) + tuple(range(3, 3 + nd)))
    gyg = nr.reshape(gyg, (g, f // g, n * math.prod(out_sp)))
    return nr.reshape(nr.matmul(gyg, nr.matrix_transpose(cols)), tuple(weight_shape))


def conv_transpose_decomposition(x, w, stride, padding, dilation, groups):
    # the adjoint of a strided conv is a stride-1 conv of the zero-dilated input with the flipped kernel
    nd = x.ndim - 2
    cin, fo = w.shape[:2]
    ksize = w.shape[2:]
    wt = nr.reshape(w, (groups, cin // groups, fo) + ksize)
    wt = nr.permute_dims(wt, (0, 2, 1) + tuple(range(3, 3 + nd)))
    wt = nr.flip(nr.reshape(wt, (groups * fo, cin // groups) + ksize), axis=tuple(range(2, 2 + nd)))
    grow = tuple((d * (k - 1) - lo, d * (k - 1) - hi) for d, k, (lo, hi) in zip(dilation, ksize, padding))
    xd = pad(dilate(x, stride), grow)
    return conv_decomposition(xd, wt, (1,) * nd, ((0, 0),) * nd, dilation, groups)


# ---- gradient rules ---------------------------------------------------------------------------
def _adjoint_padding(padding, out_sp, in_sp, ksize, stride, dilation):
    """conv_transpose padding that maps a conv's output grid back exactly onto its input grid."""
    full = [(o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(out_sp, stride, dilation, ksize)]
    return tuple((lo, f - lo - n) for (lo, _), f, n in zip(padding, full, in_sp))


def _geometry(ctx):
    p = ctx.params
    return p["stride"], p["padding"], p["dilation"], p["groups"]


def conv_vjp(ctx, g):
    (x, w), (need_x, need_w) = ctx.inputs, ctx.needs
    s, p, d, groups = _geometry(ctx)
    gx = gw = None
    if need_x:
        gx = conv_transpose(g, w, s, _adjoint_padding(p, g.shape[2:], x.shape[2:], w.shape[2:], s, d), d, groups)
    if need_w:
        gw = conv_weight_grad(x, g, w.shape, s, p, d, groups)
    return gx, gw


def conv_transpose_vjp(ctx, g):
    (x, w), (need_x, need_w) = ctx.inputs, ctx.needs
    s, p, d, groups = _geometry(ctx)
    return (conv(g, w, s, p, d, groups) if need_x else None,
            conv_weight_grad(g, x, w.shape, s, p, d, groups) if need_w else None)


def conv_weight_grad_vjp(ctx, g):
    (x, gy), (need_x, need_gy) = ctx.inputs, ctx.needs
    s, p, d, groups = _geometry(ctx)
    gx = None
    if need_x:
        gx = conv_transpose(gy, g, s, _adjoint_padding(p, gy.shape[2:], x.shape[2:], g.shape[2:], s, d), d, groups)
    return gx, (conv(x, g, s, p, d, groups) if need_gy else None)


OPS = [
    (CONV, conv_decomposition, conv_vjp),
    (CONV_TRANSPOSE, conv_transpose_decomposition, conv_transpose_vjp),
    (CONV_WEIGHT_GRAD, conv_weight_grad_decomposition, conv_weight_grad_vjp),
]
