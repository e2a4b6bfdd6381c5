"""Kernels of nr_nn's ops for every backend over a NumPy-like module (``nr_core.ndarray_backend.NdarrayBackend``:
the CPU backend over NumPy, CUDA over CuPy, any third party's), registered with the ops as
``kernels={NdarrayBackend: fn}``; each is called as ``fn(backend, *buffers, **params)`` and reads ``backend.xp``.

Pooling reads the padded input through one strided slice per kernel offset and scatters back with one strided
add per kernel offset: Python loops run over kernel offsets only, never over pixels. The convolutions live in
``ndarray_conv``.
Spatial parameters arrive normalised by nr_nn: tuples per spatial dim, ``padding`` as ``(lo, hi)`` pairs.
"""
from __future__ import annotations

import math

import numpy as np

from . import ndarray_attention, ndarray_conv, ndarray_loss, ndarray_recurrent
from ._ndarray_grid import crop, out_size, pad, window_slices


# -- pooling ------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _pool_slices(xp, x, kernel_size, stride, padding, dilation, fill):
    xpad = pad(xp, x, padding, fill)
    out_sp = out_size(xpad.shape[2:], kernel_size, stride, dilation)
    return xpad, out_sp, window_slices(kernel_size, stride, dilation, out_sp)


def _tiles(spatial, kernel_size, stride, padding, dilation) -> bool:
    """Whether 2-D pooling windows tile a ``spatial`` grid exactly (kernel = stride, no padding or dilation, sizes
    divisible): the input is then a (N, C, Ho, k0, Wo, k1) view and each window a block of it."""
    return (len(spatial) == 2 and tuple(kernel_size) == tuple(stride) and all(d == 1 for d in dilation)
            and not any(lo or hi for lo, hi in padding)
            and all(n % k == 0 and n >= k for n, k in zip(spatial, kernel_size)))


def _max_pool_tiled(xp, x, kernel_size, index_dtype):
    """``max_pool`` on tiling windows, in two stages: along each window row (k1 offsets), then across the rows
    (k0), with strict comparisons at both, so the first maximum in C order wins as in the general form; the
    second stage reads contiguous rows and runs on a k0-th of the data (2x2 on (64, 16, 28, 28): about 2.5x)."""
    n, c, h, w = x.shape
    k0, k1 = kernel_size
    t = x.reshape(n, c, h // k0, k0, w // k1, k1)
    m = t[..., 0].copy()
    col = xp.zeros(m.shape, dtype=np.int8)
    better = xp.empty(m.shape, dtype=bool)
    for j in range(1, k1):
        xp.greater(t[..., j], m, out=better)
        col += better * (np.int8(j) - col)
        xp.maximum(m, t[..., j], out=m)
    best = m[:, :, :, 0].copy()
    row = xp.zeros(best.shape, dtype=np.int8)
    pick = col[:, :, :, 0].copy()
    better = xp.empty(best.shape, dtype=bool)
    for r in range(1, k0):
        xp.greater(m[:, :, :, r], best, out=better)
        row += better * (np.int8(r) - row)
        pick += better * (col[:, :, :, r] - pick)
        xp.maximum(best, m[:, :, :, r], out=best)
    arg = row.astype(index_dtype.numpy)
    arg *= k1
    arg += pick
    return best, arg


def max_pool(be, x, kernel_size, stride, padding, dilation, index_dtype):
    """(max of each window, offset of its first maximum inside the kernel in C order, as ``index_dtype``)."""
    xp = be.xp
    if _tiles(x.shape[2:], kernel_size, stride, padding, dilation) and x.dtype.kind in "fiu":
        return _max_pool_tiled(xp, x, kernel_size, index_dtype)
    xpad, _, slices = _pool_slices(xp, x, kernel_size, stride, padding, dilation, _lowest(x.dtype))
    best = xpad[slices[0]].copy()
    arg = xp.zeros(best.shape, dtype=index_dtype.numpy)
    better = xp.empty(best.shape, dtype=bool)
    for i, sl in enumerate(slices[1:], 1):
        v = xpad[sl]
        xp.greater(v, best, out=better)
        # arg += better * (i - arg): an arithmetic select, several times faster than where/putmask here
        arg += better.astype(arg.dtype) * (arg.dtype.type(i) - arg)
        xp.maximum(best, v, out=best)
    return best, arg


def max_pool_backward(be, arg, gy, input_shape, kernel_size, stride, padding, dilation):
    xp = be.xp
    spatial = tuple(input_shape[2:])
    full = tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(spatial, padding))
    # tiling windows write every input cell exactly once: nothing to zero first
    tiled = _tiles(spatial, kernel_size, stride, padding, dilation)
    grid = (xp.empty if tiled else xp.zeros)(gy.shape[:2] + full, dtype=gy.dtype)
    slices = window_slices(kernel_size, stride, dilation, gy.shape[2:])
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel_size))
    # select gy where the offset won, else +0.0, as the bit pattern times the 0/1 mask (exact for every pattern):
    # unlike gy * mask in floats, it never writes -0.0 or spreads a NaN into cells that were not selected
    as_int = _INT_OF_SIZE[gy.dtype.itemsize]
    bits = gy.view(as_int)
    for i, sl in enumerate(slices):
        if disjoint:  # each input cell is read by one (window, offset): write, no accumulation
            xp.multiply(bits, arg == i, out=grid[sl].view(as_int))
        else:
            grid[sl] += xp.multiply(bits, arg == i).view(gy.dtype)
    return xp.ascontiguousarray(crop(grid, padding, spatial))


def _avg_divisor(xp, spatial, dtype, kernel_size, stride, padding, count_pad, divisor_override):
    """Per-window divisor: the window's cells inside the counted region (input plus counted padding)."""
    if divisor_override:
        return divisor_override
    nd = len(kernel_size)
    mask = pad(xp, xp.ones((1, 1) + tuple(spatial), dtype=dtype), count_pad, 1)
    mask = pad(xp, mask, tuple((lo - clo, hi - chi) for (lo, hi), (clo, chi) in zip(padding, count_pad)), 0)
    return _window_sum(mask, kernel_size, stride, out_size(mask.shape[2:], kernel_size, stride,
                                                                      (1,) * nd))


def _window_sum(xpad, kernel_size, stride, out_sp):
    slices = window_slices(kernel_size, stride, (1,) * len(kernel_size), out_sp)
    out = xpad[slices[0]].copy()
    for sl in slices[1:]:
        out += xpad[sl]
    return out


def avg_pool(be, x, kernel_size, stride, padding, count_pad, divisor_override):
    xp = be.xp
    nd = len(kernel_size)
    xpad = pad(xp, x, padding)
    out_sp = out_size(xpad.shape[2:], kernel_size, stride, (1,) * nd)
    div = _avg_divisor(xp, x.shape[2:], x.dtype, kernel_size, stride, padding, count_pad, divisor_override)
    return (_window_sum(xpad, kernel_size, stride, out_sp) / div).astype(x.dtype, copy=False)


def avg_pool_backward(be, gy, input_shape, kernel_size, stride, padding, count_pad, divisor_override):
    xp = be.xp
    nd = len(kernel_size)
    spatial = tuple(input_shape[2:])
    div = _avg_divisor(xp, spatial, gy.dtype, kernel_size, stride, padding, count_pad, divisor_override)
    g = (gy / div).astype(gy.dtype, copy=False)
    full = tuple(s + lo + max(hi, 0) for s, (lo, hi) in zip(spatial, padding))
    grid = xp.zeros(gy.shape[:2] + full, dtype=gy.dtype)
    for sl in window_slices(kernel_size, stride, (1,) * nd, gy.shape[2:]):
        grid[sl] += g
    return xp.ascontiguousarray(crop(grid, padding, spatial))


# -- linear ---------------------------------------------------------------------------------
def linear(be, x, w, b):
    # one GEMM over all rows (matmul of (B, T, in) by (in, out) would run one per batch entry), bias added in place
    lead = x.shape[:-1]
    out = be.xp.matmul(x if x.ndim == 2 else x.reshape(-1, x.shape[-1]), w.T)
    if b is not None:
        out += b
    return out if x.ndim == 2 else out.reshape(lead + (w.shape[0],))


def linear_backward(be, x, w, g, needs):
    xp = be.xp
    g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
    none = xp.zeros((0,), dtype=g.dtype)
    gx = xp.matmul(g2, w).reshape(x.shape) if needs[0] else none
    gw = xp.matmul(g2.T, x if x.ndim == 2 else x.reshape(-1, x.shape[-1])) if needs[1] else none
    if not needs[2]:
        gb = none
    elif g2.dtype in (np.float32, np.float64) and g2.shape[0] > 1:
        # the column sum as ones @ g2: BLAS reads g2 once along its rows (512 x 128 float32: 4 us against 14 for
        # NumPy's reduction over axis 0, which also adds the rows one after another)
        gb = xp.matmul(xp.ones(g2.shape[0], dtype=g2.dtype), g2)
    else:
        gb = g2.sum(axis=0)
    return gx, gw, gb


# -- softmax family and normalisation -----------------------------------------------------
def softmax(be, x, axis):
    xp = be.xp
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(be, x, axis):
    xp = be.xp
    s = x - x.max(axis=axis, keepdims=True)
    s -= xp.log(xp.exp(s).sum(axis=axis, keepdims=True))
    return s


def binary_cross_entropy(be, x, t):
    xp = be.xp
    with np.errstate(divide="ignore"):  # log(0) is -inf, then clamped: PyTorch is silent about it too
        return -(t * xp.maximum(xp.log(x), -100.0) + (1 - t) * xp.maximum(xp.log1p(-x), -100.0))


def _row_mean(xp, rows, ones):
    """Mean of each row of a 2-D array as a (rows, 1) column: one matrix-vector product, where NumPy's reduction
    over a short last axis costs several times the pass (32K float32 in rows of 64: 16 us against 3)."""
    return xp.matmul(rows, ones)[:, None]


def _rows(xp, x, ndim):
    """x as (rows, normalised size) (a view where x is contiguous) and the averaging vector for ``_row_mean``."""
    size = math.prod(x.shape[x.ndim - ndim:])
    return xp.reshape(x, (-1, size)), xp.full(size, 1.0 / size, dtype=x.dtype) if size else None


def layer_norm(be, x, ndim, eps):
    xp = be.xp
    if x.dtype not in (np.float32, np.float64) or not x.size:
        axes = tuple(range(-ndim, 0))
        d = x - x.mean(axis=axes, keepdims=True)
        d *= 1.0 / xp.sqrt((d * d).mean(axis=axes, keepdims=True) + eps)
        return d.astype(x.dtype, copy=False)
    rows, ones = _rows(xp, x, ndim)
    d = rows - _row_mean(xp, rows, ones)
    sq = xp.multiply(d, d)
    d *= 1.0 / xp.sqrt(_row_mean(xp, sq, ones) + eps)
    return d.reshape(x.shape)


def layer_norm_backward(be, x, y, g, ndim, eps):
    """gx = (g - mean(g) - y * mean(g * y)) * rstd over the last ``ndim`` axes, rstd recomputed from x."""
    xp = be.xp
    if x.dtype not in (np.float32, np.float64) or not x.size:
        axes = tuple(range(-ndim, 0))
        d = x - x.mean(axis=axes, keepdims=True)
        rstd = 1.0 / xp.sqrt((d * d).mean(axis=axes, keepdims=True) + eps)
        gx = g - g.mean(axis=axes, keepdims=True) - y * (g * y).mean(axis=axes, keepdims=True)
        return (gx * rstd).astype(x.dtype, copy=False)
    rx, ones = _rows(xp, x, ndim)
    ry, rg = xp.reshape(y, rx.shape), xp.reshape(g, rx.shape)
    d = rx - _row_mean(xp, rx, ones)
    d *= d
    rstd = 1.0 / xp.sqrt(_row_mean(xp, d, ones) + eps)
    xp.multiply(rg, ry, out=d)                        # d is spent: g * y
    gx = xp.multiply(ry, _row_mean(xp, d, ones), out=d)
    xp.subtract(rg, gx, out=gx)
    gx -= _row_mean(xp, rg, ones)
    gx *= rstd
    return gx.reshape(x.shape)


def _channels(x):
    """Reduction axes (all but 1) and the broadcast shape (1, C, 1, ...) of a per-channel statistic."""
    return (0,) + tuple(range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)


def _channel_sum(be, t, axes):
    # through the backend's sum: the CPU backend's is one or two GEMVs over (N, C, *d) with ones, four times
    # NumPy's reduction over the leading and trailing axes
    return be.k_sum(t, axis=axes)


def batch_norm(be, x, weight, bias, eps):
    xp = be.xp
    axes, shape = _channels(x)
    m = x.size // x.shape[1] if x.size else 1
    mean = _channel_sum(be, x, axes) / m if x.size else x.mean(axis=axes)
    y = x - mean.reshape(shape)
    sq = xp.multiply(y, y)
    var = _channel_sum(be, sq, axes) / m if x.size else sq.mean(axis=axes)
    scale = 1.0 / xp.sqrt(var + eps)
    if weight is not None:
        scale *= weight
    y *= scale.reshape(shape)
    if bias is not None:
        y += bias.reshape(shape)
    return y, mean, var


def batch_norm_backward(be, x, weight, mean, var, gy, gmean, gvar, eps):
    xp = be.xp
    axes, shape = _channels(x)
    m = x.size // x.shape[1]
    rstd = 1.0 / xp.sqrt(var + eps)
    gx = xp.subtract(x, mean.reshape(shape))
    centred = gx.copy() if gvar is not None else None
    gx *= rstd.reshape(shape)                       # x-hat
    if gy is None:
        gw = gb = xp.zeros_like(mean)
        gx[...] = 0
    else:
        gb = _channel_sum(be, gy, axes)
        gw = _channel_sum(be, xp.multiply(gy, gx), axes)
        # gx = scale * (gy - gb/m - xhat * gw/m), written over x-hat
        gx *= (gw / m).reshape(shape)
        xp.subtract(gy, gx, out=gx)
        gx -= (gb / m).reshape(shape)
        gx *= (rstd if weight is None else rstd * weight).reshape(shape)
    if gmean is not None:
        gx += (gmean / m).reshape(shape)
    if gvar is not None:
        centred *= (gvar * (2.0 / m)).reshape(shape)
        gx += centred
    return gx, gw, gb


# -- recurrent cells -----------------------------------------------------------------------
def lstm_cell(be, gates, c_prev):
    """(h, c, activated gates) in a few in-place passes; gates in torch's order i, f, g, o."""
    xp = be.xp
    n = c_prev.shape[-1]
    # sigmoid(z) = 0.5*tanh(z/2) + 0.5 (exact at the tails): one tanh pass activates all four gates
    act = xp.multiply(gates, 0.5)
    act[..., 2 * n:3 * n] = gates[..., 2 * n:3 * n]
    xp.tanh(act, out=act)
    for s in (act[..., :2 * n], act[..., 3 * n:]):
        s *= 0.5
        s += 0.5
    i, f, g, o = act[..., :n], act[..., n:2 * n], act[..., 2 * n:3 * n], act[..., 3 * n:]
    c = xp.multiply(f, c_prev)
    c += i * g
    h = xp.tanh(c)
    h *= o
    return h, c, act


def lstm_cell_backward(be, act, c_prev, c, gh, gc):
    xp = be.xp
    n = c.shape[-1]
    i, f, g, o = act[..., :n], act[..., n:2 * n], act[..., 2 * n:3 * n], act[..., 3 * n:]
    tc = xp.tanh(c)
    dc = xp.multiply(tc, tc)
    xp.subtract(1, dc, out=dc)
    dc *= o
    dc *= gh
    dc += gc
    # what multiplies each gate's activation slope, then the slopes: s(1-s), and 1-t^2 for the tanh gate
    d = xp.empty_like(act)
    xp.multiply(dc, g, out=d[..., :n])
    xp.multiply(dc, c_prev, out=d[..., n:2 * n])
    xp.multiply(dc, i, out=d[..., 2 * n:3 * n])
    xp.multiply(gh, tc, out=d[..., 3 * n:])
    slope = xp.subtract(1, act)
    slope *= act
    sg = slope[..., 2 * n:3 * n]
    xp.multiply(g, g, out=sg)
    xp.subtract(1, sg, out=sg)
    d *= slope
    dc *= f
    return d, dc


def erf(be, x):
    # the positive series of nr_nn.ops.special, in float64, with only as many terms as max|x| needs
    xp = be.xp
    a = xp.clip(x.astype(xp.float64), -6.0, 6.0)
    a2 = a * a
    top = float(a2.max()) if a2.size else 0.0
    term = a.copy()
    total = a.copy()
    for n in range(1, int(2 * top) + 40):
        term *= a2
        term *= 2.0 / (2 * n + 1)
        total += term
    total *= xp.exp(-a2)
    total *= 2.0 / math.sqrt(math.pi)
    return total.astype(x.dtype, copy=False)

_INT_OF_SIZE = {2: np.int16, 4: np.int32, 8: np.int64}


# op name -> kernel, as nr_nn's plugin registers them
KERNELS = {"conv": ndarray_conv.conv, "conv_weight_grad": ndarray_conv.conv_weight_grad,
           "conv_transpose": ndarray_conv.conv_transpose, "max_pool": max_pool, "max_pool_backward": max_pool_backward,
           "avg_pool": avg_pool, "avg_pool_backward": avg_pool_backward, "softmax": softmax,
           "log_softmax": log_softmax, "layer_norm": layer_norm, "layer_norm_backward": layer_norm_backward,
           "batch_norm": batch_norm, "batch_norm_backward": batch_norm_backward, "linear": linear,
           "linear_backward": linear_backward,
           "binary_cross_entropy": binary_cross_entropy, "lstm_cell": lstm_cell,
           "lstm_cell_backward": lstm_cell_backward, "erf": erf,
           **ndarray_loss.KERNELS, **ndarray_recurrent.KERNELS, **ndarray_attention.KERNELS}
