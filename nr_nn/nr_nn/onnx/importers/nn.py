"""Gemm, convolutions, pooling and normalisation over nr_nn's fused ops."""
from __future__ import annotations

import math

import nr_core as nr

from ... import functional as F
from ...ops import _grid
from ...ops import conv as _conv
from ...ops import normalization as _norm
from ...ops import pooling as _pool
from ._base import impl


@impl("Gemm")
def _gemm(ctx, a, x, w, c=None):
    if a.get("transA", 0):
        x = nr.matrix_transpose(x)
    if a.get("transB", 0):
        w = nr.matrix_transpose(w)
    out = nr.matmul(x, w)
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if alpha != 1.0:
        out = out * alpha
    if c is not None:
        out = out + (c * beta if beta != 1.0 else c)
    return out


def _spatial_pads(ctx, a, x, kernel, strides, dilations):
    """(lo, hi) per spatial dim from ``pads`` or ``auto_pad``."""
    nd = len(kernel)
    auto = a.get("auto_pad", "NOTSET")
    if isinstance(auto, bytes):
        auto = auto.decode()
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pairs = []
        for n, k, s, d in zip(x.shape[2:], kernel, strides, dilations):
            out = -(-n // s)
            total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pairs.append((lo, total - lo))
        return tuple(pairs)
    if auto == "VALID":
        return ((0, 0),) * nd
    pads = a.get("pads", [0] * (2 * nd))
    return tuple((pads[i], pads[i + nd]) for i in range(nd))


@impl("Conv")
def _conv_op(ctx, a, x, w, b=None):
    nd = w.ndim - 2
    kernel = a.get("kernel_shape", list(w.shape[2:]))
    strides = tuple(a.get("strides", [1] * nd))
    dil = tuple(a.get("dilations", [1] * nd))
    pads = _spatial_pads(ctx, a, x, kernel, strides, dil)
    out = _conv.conv(x, w, strides, pads, dil, a.get("group", 1))
    return out if b is None else out + nr.reshape(b, (-1,) + (1,) * nd)


@impl("ConvTranspose")
def _conv_transpose_op(ctx, a, x, w, b=None):
    nd = w.ndim - 2
    group = a.get("group", 1)
    strides = tuple(a.get("strides", [1] * nd))
    dil = tuple(a.get("dilations", [1] * nd))
    kernel = a.get("kernel_shape", list(w.shape[2:]))
    extra = a.get("output_padding", [0] * nd)
    full = [(n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip(x.shape[2:], strides, dil, kernel)]
    auto = a.get("auto_pad", "NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if "output_shape" in a or auto in ("SAME_UPPER", "SAME_LOWER"):
        target = a["output_shape"][-nd:] if "output_shape" in a else [n * s for n, s in zip(x.shape[2:], strides)]
        pairs = []
        for f, op, t in zip(full, extra, target):
            total = f + op - t
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pairs.append((lo, total - lo - op))
    elif auto == "VALID":
        pairs = [(0, -op) for op in extra]
    else:
        pads = a.get("pads", [0] * (2 * nd))
        pairs = [(pads[i], pads[i + nd] - extra[i]) for i in range(nd)]
    out = _conv.conv_transpose(x, w, strides, tuple(pairs), dil, group)
    return out if b is None else out + nr.reshape(b, (-1,) + (1,) * nd)


def _pool_geometry(ctx, a, x):
    kernel = tuple(a["kernel_shape"])
    nd = len(kernel)
    strides = tuple(a.get("strides", [1] * nd))
    dil = tuple(a.get("dilations", [1] * nd))
    pads = _spatial_pads(ctx, a, x, kernel, strides, dil)
    if a.get("ceil_mode", 0):
        grown = []
        for n, k, s, d, (lo, hi) in zip(x.shape[2:], kernel, strides, dil, pads):
            span = d * (k - 1) + 1
            out = -(-(n + lo + hi - span) // s) + 1
            if (out - 1) * s >= n + lo:  # the last window must start inside the input or the left padding
                out -= 1
            grown.append((lo, max(hi, (out - 1) * s + span - n - lo)))
        pads = tuple(grown)
    return kernel, strides, dil, pads


@impl("MaxPool")
def _max_pool(ctx, a, x):
    kernel, strides, dil, pads = _pool_geometry(ctx, a, x)
    out, arg = _pool.max_pool(x, kernel, strides, pads, dil)
    if ctx.n_out < 2:
        return out
    # ONNX's indices count over the whole (N, C, *spatial) tensor, row-major (storage_order=0)
    plane = _pool.max_pool_indices(arg, x.shape, kernel, strides, pads, dil)
    if a.get("storage_order", 0):  # column-major within each plane: unravel row-major, ravel reversed
        sizes = list(x.shape[2:])
        digits, rest = [], plane
        for n in reversed(sizes):
            digits.append(rest % n)
            rest = rest // n
        digits = digits[::-1]  # row-major digits, first axis first
        col, mult = nr.zeros_like(plane), 1
        for d, n in zip(digits, sizes):
            col = col + d * mult
            mult *= n
        plane = col
    per = math.prod(x.shape[2:])
    base = nr.reshape(nr.arange(x.shape[0] * x.shape[1], dtype=nr.int64, device=x.device) * per,
                      (x.shape[0], x.shape[1]) + (1,) * len(kernel))
    return out, plane + base


@impl("AveragePool")
def _avg_pool(ctx, a, x):
    kernel, strides, dil, pads = _pool_geometry(ctx, a, x)
    orig = _spatial_pads(ctx, a, x, kernel, strides, dil)
    count = orig if a.get("count_include_pad", 0) else ((0, 0),) * len(kernel)
    if all(d == 1 for d in dil):
        return _pool.avg_pool(x, kernel, strides, pads, count, None)
    # dilated windows (the fused op has none): sum the gathered windows, divide by the counted positions
    cols = _grid.im2col(_grid.pad(x, pads), kernel, strides, dil)
    mask = _grid.pad(nr.ones((1, 1) + x.shape[2:], dtype=x.dtype, device=x.device), count, 1.0)
    mask = _grid.pad(mask, tuple((lo - cl, hi - ch) for (lo, hi), (cl, ch) in zip(pads, count)), 0.0)
    div = nr.sum(_grid.im2col(mask, kernel, strides, dil), axis=-1)
    return nr.sum(cols, axis=-1) / div


@impl("GlobalAveragePool")
def _global_avg(ctx, a, x):
    return nr.mean(x, axis=tuple(range(2, x.ndim)), keepdims=True)


@impl("GlobalMaxPool")
def _global_max(ctx, a, x):
    return nr.max(x, axis=tuple(range(2, x.ndim)), keepdims=True)


@impl("BatchNormalization")
def _batch_norm(ctx, a, x, scale, bias, mean, var):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    eps = a.get("epsilon", 1e-5)
    if not a.get("training_mode", 0):
        inv = scale / nr.sqrt(var + eps)
        return (x - nr.reshape(mean, shape)) * nr.reshape(inv, shape) + nr.reshape(bias, shape)
    # training: the batch's statistics normalise; the running ones move by ``momentum`` (population variance)
    axes = (0,) + tuple(range(2, x.ndim))
    bmean = nr.mean(x, axis=axes)
    bvar = nr.mean((x - nr.reshape(bmean, shape)) ** 2, axis=axes)
    y = (x - nr.reshape(bmean, shape)) / nr.sqrt(nr.reshape(bvar, shape) + eps) * nr.reshape(scale, shape) + \
        nr.reshape(bias, shape)
    m = a.get("momentum", 0.9)
    return (y, mean * m + bmean * (1 - m), var * m + bvar * (1 - m))[:ctx.n_out]


@impl("InstanceNormalization")
def _instance_norm(ctx, a, x, scale, bias):
    return F.instance_norm(x, weight=scale, bias=bias, eps=a.get("epsilon", 1e-5))


@impl("LayerNormalization")
def _layer_norm(ctx, a, x, scale, bias=None):
    axis = a.get("axis", -1) % x.ndim
    nd = x.ndim - axis
    eps = a.get("epsilon", 1e-5)
    out = _norm.layer_norm(x, nd, float(eps)) * scale
    if bias is not None:
        out = out + bias
    if ctx.n_out == 1:
        return out
    axes = tuple(range(axis, x.ndim))
    mean = nr.mean(x, axis=axes, keepdims=True)
    d = x - mean
    inv = 1.0 / nr.sqrt(nr.mean(d * d, axis=axes, keepdims=True) + eps)
    return (out, mean, inv)[:ctx.n_out]


@impl("LpNormalization")
def _lp_norm(ctx, a, x):
    p, axis = a.get("p", 2), a.get("axis", -1) % x.ndim
    n = nr.sum(nr.abs(x), axis=axis, keepdims=True) if p == 1 else nr.sqrt(nr.sum(x * x, axis=axis, keepdims=True))
    zero = n == 0
    return nr.where(zero, nr.zeros_like(x), x / nr.where(zero, nr.ones_like(n), n))
