"""Pooling ops (N-d): ``max_pool`` (+ backward, + indices) and ``avg_pool`` (+ backward).

``padding`` holds ``(lo, hi)`` pairs in which ``hi`` already includes the ceil-mode overhang; avg pooling's
``count_pad`` says how much of that padding counts towards each window's divisor.
"""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core import dtypes as _d
from nr_core.dispatch import apply
from nr_core.optable import OpDef

from ._grid import col2im, im2col, pad

# (values, offset of each window's maximum inside the kernel): the backward scatters with the saved offsets
MAX_POOL = OpDef("max_pool", "nn", 1, "real floating-point", "custom", primitive=False, nout=2)
# linear in its gradient input: its own gradient is a gather at the same offsets (double backward)
MAX_POOL_BACKWARD = OpDef("max_pool_backward", "nn", 2, "real floating-point", primitive=False)
AVG_POOL = OpDef("avg_pool", "nn", 1, "real floating-point", primitive=False)
AVG_POOL_BACKWARD = OpDef("avg_pool_backward", "nn", 1, "real floating-point", primitive=False)


def index_dtype(kernel_size):
    """The narrowest integer dtype holding every kernel offset (int8 for any usual kernel)."""
    return _d.int8 if int(np.prod(kernel_size)) <= 127 else _d.int32


def max_pool(x, kernel_size, stride, padding, dilation):
    """(pooled values, kernel offset of each maximum)."""
    params = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation,
              "index_dtype": index_dtype(kernel_size)}
    return apply(MAX_POOL, (x,), params, (x.dtype, params["index_dtype"]))


def max_pool_backward(arg, gy, input_shape, kernel_size, stride, padding, dilation):
    params = {"input_shape": tuple(input_shape), "kernel_size": kernel_size, "stride": stride, "padding": padding,
              "dilation": dilation}
    return apply(MAX_POOL_BACKWARD, (arg, gy), params, gy.dtype)


def max_pool_indices(arg, input_shape, kernel_size, stride, padding, dilation):
    """Flat index into each (unpadded) input plane of every window's maximum, like torch's return_indices."""
    nd = len(kernel_size)
    out_sp = arg.shape[2:]
    flat = nr.zeros(arg.shape, dtype=_d.int64, device=arg.device)
    rest = nr.astype(arg, _d.int64)
    sizes = [int(np.prod(kernel_size[a + 1:])) for a in range(nd)]  # C-order unravel of the offset
    for a in range(nd):
        k_a = rest // sizes[a]
        rest = rest % sizes[a]
        pos = np.arange(out_sp[a]).reshape((-1,) + (1,) * (nd - 1 - a)) * stride[a] - padding[a][0]
        flat = flat * input_shape[2 + a] + nr.asarray(pos, device=arg.device) + k_a * dilation[a]
    return flat


def _avg_params(kernel_size, stride, padding, count_pad, divisor_override):
    return {"kernel_size": kernel_size, "stride": stride, "padding": padding, "count_pad": count_pad,
            "divisor_override": divisor_override}


def avg_pool(x, kernel_size, stride, padding, count_pad, divisor_override):
    return apply(AVG_POOL, (x,), _avg_params(kernel_size, stride, padding, count_pad, divisor_override), x.dtype)


def avg_pool_backward(gy, input_shape, kernel_size, stride, padding, count_pad, divisor_override):
    params = _avg_params(kernel_size, stride, padding, count_pad, divisor_override)
    params["input_shape"] = tuple(input_shape)
    return apply(AVG_POOL_BACKWARD, (gy,), params, gy.dtype)


# ---- decompositions ---------------------------------------------------------------------------
def _max_cols(x, kernel_size, stride, padding, dilation):
    return im2col(pad(x, padding, float("-inf")), kernel_size, stride, dilation)


def _crop(x, padding, spatial):
    return x[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for (lo, _), n in zip(padding, spatial))]


def max_pool_decomposition(x, kernel_size, stride, padding, dilation, index_dtype):
    cols = _max_cols(x, kernel_size, stride, padding, dilation)
    return nr.max(cols, axis=-1), nr.astype(nr.argmax(cols, axis=-1), index_dtype)


def max_pool_backward_decomposition(arg, gy, input_shape, kernel_size, stride, padding, dilation):
    k = int(np.prod(kernel_size))
    hot = nr.astype(nr.arange(k, device=gy.device) == nr.expand_dims(nr.astype(arg, _d.int64), axis=-1), gy.dtype)
    spatial = tuple(input_shape[2:])
    full = tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(spatial, padding))
    return _crop(col2im(hot * nr.expand_dims(gy, axis=-1), kernel_size, full, stride, dilation), padding, spatial)


def _divisor(spatial, dtype, device, kernel_size, stride, padding, count_pad, divisor_override):
    if divisor_override:
        return divisor_override
    mask = pad(nr.ones((1, 1) + tuple(spatial), dtype=dtype, device=device), count_pad, 1.0)
    mask = pad(mask, tuple((lo - clo, hi - chi) for (lo, hi), (clo, chi) in zip(padding, count_pad)), 0.0)
    return nr.sum(im2col(mask, kernel_size, stride, (1,) * len(kernel_size)), axis=-1)


def avg_pool_decomposition(x, kernel_size, stride, padding, count_pad, divisor_override):
    cols = im2col(pad(x, padding), kernel_size, stride, (1,) * len(kernel_size))
    div = _divisor(x.shape[2:], x.dtype, x.device, kernel_size, stride, padding, count_pad, divisor_override)
    return nr.sum(cols, axis=-1) / div


def avg_pool_backward_decomposition(gy, input_shape, kernel_size, stride, padding, count_pad, divisor_override):
    spatial = tuple(input_shape[2:])
    div = _divisor(spatial, gy.dtype, gy.device, kernel_size, stride, padding, count_pad, divisor_override)
    k = int(np.prod(kernel_size))
    cols = nr.broadcast_to(nr.expand_dims(gy / div, axis=-1), gy.shape + (k,))
    full = tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(spatial, padding))
    return _crop(col2im(cols, kernel_size, full, stride, (1,) * len(kernel_size)), padding, spatial)


# ---- gradient rules ---------------------------------------------------------------------------
def max_pool_vjp(ctx, g):
    p = ctx.params
    gx = max_pool_backward(ctx.out[1], g[0], ctx.inputs[0].shape, p["kernel_size"], p["stride"], p["padding"],
                           p["dilation"])
    return (gx,)


def max_pool_backward_vjp(ctx, g):
    p = ctx.params
    cols = im2col(pad(g, p["padding"]), p["kernel_size"], p["stride"], p["dilation"])  # (N, C, *out, K)
    at = nr.expand_dims(nr.astype(ctx.inputs[0], _d.int64), axis=-1)
    return (None, nr.squeeze(nr.take_along_axis(cols, at, axis=-1), axis=-1))


def avg_pool_vjp(ctx, g):
    return (avg_pool_backward(g, ctx.inputs[0].shape, **ctx.params),)


def avg_pool_backward_vjp(ctx, g):
    p = dict(ctx.params)
    del p["input_shape"]
    return (avg_pool(g, **p),)


OPS = [
    (MAX_POOL, max_pool_decomposition, max_pool_vjp),
    (MAX_POOL_BACKWARD, max_pool_backward_decomposition, max_pool_backward_vjp),
    (AVG_POOL, avg_pool_decomposition, avg_pool_vjp),
    (AVG_POOL_BACKWARD, avg_pool_backward_decomposition, avg_pool_backward_vjp),
]
