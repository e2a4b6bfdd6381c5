"""Pooling: max/avg pooling (1-3 d) over the fused pooling ops, adaptive pooling, lp pooling."""
from __future__ import annotations

import math

import nr_core as nr
from nr_core.amp import autocast_policy

from ..ops import pooling as _ops
from ._checks import floating, ntuple


def _batched(fn, x, nd):
    floating(x, fn)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{fn}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape {x.shape}")
    return (x, True) if x.ndim == nd + 2 else (nr.expand_dims(x, axis=0), False)


def _geometry(fn, x, nd, kernel_size, stride, padding, dilation, ceil_mode):
    """Normalised (kernel, stride, (lo, hi) padding pairs with the ceil-mode overhang, dilation)."""
    k = ntuple(kernel_size, nd, fn, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else ntuple(stride, nd, fn, "stride")
    p = ntuple(padding, nd, fn, "padding")
    d = ntuple(dilation, nd, fn, "dilation")
    if any(v < 1 for v in k + s + d):
        raise ValueError(f"{fn}: kernel_size, stride and dilation must be >= 1, got {k}, {s}, {d}")
    if any(pi < 0 or pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{fn}: padding {p} must be non-negative and at most half the kernel size {k}")
    pads = []
    for n, ki, si, pi, di in zip(x.shape[2:], k, s, p, d):
        span = di * (ki - 1) + 1
        room = n + 2 * pi - span
        if room < 0:
            raise ValueError(f"{fn}: input {x.shape} padded by {p} is smaller than the kernel {k} (dilation {d})")
        out = (-(-room // si) if ceil_mode else room // si) + 1
        if ceil_mode and (out - 1) * si >= n + pi:
            out -= 1
        pads.append((pi, (out - 1) * si + span - n - pi))
    return k, s, tuple(pads), d


def _max_pool(fn, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, batched = _batched(fn, input, nd)
    k, s, pads, d = _geometry(fn, x, nd, kernel_size, stride, padding, dilation, ceil_mode)
    out, arg = _ops.max_pool(x, k, s, pads, d)
    if not return_indices:
        return out if batched else out[0]
    idx = _ops.max_pool_indices(arg, x.shape, k, s, pads, d)
    return (out, idx) if batched else (out[0], idx[0])


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


@autocast_policy("max_pool3d", "fp32")
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(fn, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    x, batched = _batched(fn, input, nd)
    k, s, pads, _ = _geometry(fn, x, nd, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override <= 0):
        raise ValueError(f"{fn}: divisor_override must be a positive int, got {divisor_override!r}")
    count = tuple((lo, lo) for lo, _ in pads) if count_include_pad else ((0, 0),) * nd
    out = _ops.avg_pool(x, k, s, pads, count, divisor_override)
    return out if batched else out[0]


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


@autocast_policy("avg_pool3d", "fp32")
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def _adaptive(fn, nd, input, output_size, reduce, pool):
    """Adaptive pooling, one spatial dim at a time (max and mean over boxes are separable)."""
    x, batched = _batched(fn, input, nd)
    sizes = (output_size,) * nd if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{fn}: output_size must be an int or {nd} values, got {output_size!r}")
    sizes = tuple(n if o is None else o for o, n in zip(sizes, x.shape[2:]))
    if any(not isinstance(o, int) or o < 1 for o in sizes):
        raise ValueError(f"{fn}: output_size must hold positive ints, got {output_size!r}")
    if all(n % o == 0 for n, o in zip(x.shape[2:], sizes)):
        k = tuple(n // o for n, o in zip(x.shape[2:], sizes))
        out = pool(x, k)
    else:
        out = x
        for i, o in enumerate(sizes):
            a = 2 + i
            n = x.shape[a]
            lead = (slice(None),) * a
            parts = [reduce(out[lead + (slice(j * n // o, -(-(j + 1) * n // o)),)], a) for j in range(o)]
            out = nr.stack(parts, axis=a)
    return out if batched else out[0]


def _mean(t, a):
    return nr.mean(t, axis=a)


def _max(t, a):
    return nr.max(t, axis=a)


def _avg_regular(x, k):
    nd = len(k)
    return _ops.avg_pool(x, k, k, ((0, 0),) * nd, ((0, 0),) * nd, None)


def _max_regular(x, k):
    nd = len(k)
    return _ops.max_pool(x, k, k, ((0, 0),) * nd, (1,) * nd)[0]


def adaptive_avg_pool1d(input, output_size):
    return _adaptive("adaptive_avg_pool1d", 1, input, output_size, _mean, _avg_regular)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive("adaptive_avg_pool2d", 2, input, output_size, _mean, _avg_regular)


@autocast_policy("adaptive_avg_pool3d", "fp32")
def adaptive_avg_pool3d(input, output_size):
    return _adaptive("adaptive_avg_pool3d", 3, input, output_size, _mean, _avg_regular)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _no_indices("adaptive_max_pool1d", return_indices)
    return _adaptive("adaptive_max_pool1d", 1, input, output_size, _max, _max_regular)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    _no_indices("adaptive_max_pool2d", return_indices)
    return _adaptive("adaptive_max_pool2d", 2, input, output_size, _max, _max_regular)


def _no_indices(fn, flag):
    if flag:
        raise ValueError(f"{fn}: return_indices=True is not offered; use max_pool2d(..., return_indices=True) "
                         "with an explicit kernel")


def lp_pool2d(input, norm_type: float, kernel_size, stride=None, ceil_mode=False):
    x = floating(input, "lp_pool2d")
    k = ntuple(kernel_size, 2, "lp_pool2d", "kernel_size")
    pooled = avg_pool2d(nr.pow(x, float(norm_type)), k, stride, 0, ceil_mode)
    return nr.pow(nr.sign(pooled) * nr.relu(nr.abs(pooled)) * math.prod(k), 1.0 / norm_type)
