"""Kernels of nr_nn's ops for every backend over a NumPy-like module (``nr_core.ndarray_backend.NdarrayBackend``:
the CPU backend over NumPy, CUDA over CuPy, any third party's), registered with the ops as
``kernels={NdarrayBackend: fn}``; each is called as ``fn(backend, *buffers, **params)`` and reads ``backend.xp``.

Convolution and pooling read the padded input through one strided slice per kernel offset (im2col into a
contiguous buffer) plus one batched matmul, and scatter back with one strided add per kernel offset: Python
loops run over kernel offsets only, never over pixels.
Spatial parameters arrive normalised by nr_nn: tuples per spatial dim, ``padding`` as ``(lo, hi)`` pairs.
"""
from __future__ import annotations

import math

import numpy as np


# -- shared helpers -----------------------------------------------------------------------
def _pad(xp, x, padding, value=0):
    """Pad the trailing dims by ``(lo, hi)`` pairs; a negative width crops instead."""
    if not any(lo or hi for lo, hi in padding):
        return x
    lead = x.ndim - len(padding)
    if any(lo < 0 or hi < 0 for lo, hi in padding):
        x = x[(slice(None),) * lead + tuple(slice(max(-lo, 0), n - max(-hi, 0))
                                            for (lo, hi), n in zip(padding, x.shape[lead:]))]
        padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
    widths = ((0, 0),) * lead + tuple(padding)
    return xp.pad(x, widths, mode="constant", constant_values=value)


def _slices(ksize, stride, dilation, out_sp):
    """Per kernel offset, the strided slice of the padded input that it reads for every output position."""
    lead = (slice(None), slice(None))
    return [lead + tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                         for k, d, o, s in zip(offs, dilation, out_sp, stride)) for offs in _offsets(ksize)]


def _out_size(padded_sp, ksize, stride, dilation):
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(padded_sp, ksize, stride, dilation))


def _im2col(xp, xpad, ksize, stride, dilation, out_sp):
    """(N, C, *padded) -> contiguous (N, C, K, *out): one strided copy per kernel offset."""
    n, c = xpad.shape[:2]
    cols = xp.empty((n, c, math.prod(ksize)) + tuple(out_sp), dtype=xpad.dtype)
    for i, sl in enumerate(_slices(ksize, stride, dilation, out_sp)):
        cols[:, :, i] = xpad[sl]
    return cols


def _col2im(xp, cols, ksize, full, stride, dilation):
    """Sum ``cols`` (N, C, K, *out) back onto a zero grid of spatial shape ``full``: one add per offset."""
    nd = len(full)
    out_sp = cols.shape[3:3 + nd]
    grid = xp.zeros(cols.shape[:2] + tuple(full), dtype=cols.dtype)
    for i, sl in enumerate(_slices(ksize, stride, dilation, out_sp)):
        grid[sl] += cols[:, :, i]
    return grid


def _crop(x, padding, out_sp):
    return x[(slice(None), slice(None)) + tuple(slice(lo, lo + o) for (lo, _), o in zip(padding, out_sp))]


# -- convolution --------------------------------------------------------------------------
def conv(be, x, w, stride, padding, dilation, groups):
    xp = be.xp
    ksize = w.shape[2:]
    xpad = _pad(xp, x, padding)
    out_sp = _out_size(xpad.shape[2:], ksize, stride, dilation)
    n, c = x.shape[:2]
    f, g = w.shape[0], groups
    cols = _im2col(xp, xpad, ksize, stride, dilation, out_sp)
    cols = cols.reshape(n, g, (c // g) * math.prod(ksize), math.prod(out_sp))
    out = xp.matmul(w.reshape(g, f // g, -1), cols)  # (N, G, F/G, out): already NC(spatial) order
    return out.reshape((n, f) + out_sp)


def conv_weight_grad(be, x, gy, weight_shape, stride, padding, dilation, groups):
    xp = be.xp
    ksize = tuple(weight_shape[2:])
    n, c = x.shape[:2]
    f, g = gy.shape[1], groups
    out_sp = gy.shape[2:]
    m = math.prod(out_sp)
    cols = _im2col(xp, _pad(xp, x, padding), ksize, stride, dilation, out_sp)
    cols = cols.reshape(n, g, (c // g) * math.prod(ksize), m)
    gyg = gy.reshape(n, g, f // g, m)
    # one GEMM per (sample, group) on views (BLAS reads the transposed operand in place), summed over samples
    return xp.matmul(gyg, xp.swapaxes(cols, 2, 3)).sum(axis=0).reshape(tuple(weight_shape))


def conv_transpose(be, x, w, stride, padding, dilation, groups):
    """Adjoint of ``conv``: x (N, Cin, *L), w (Cin, Cout/G, *k); output cropped by ``padding`` pairs
    from the full size ``(L-1)*s + d*(k-1) + 1`` (a negative ``hi`` extends it with zeros)."""
    xp = be.xp
    n, c = x.shape[:2]
    g = groups
    fo = w.shape[1]
    ksize = w.shape[2:]
    in_sp = x.shape[2:]
    wg = xp.swapaxes(w.reshape(g, c // g, fo * math.prod(ksize)), 1, 2)
    cols = xp.matmul(wg, x.reshape(n, g, c // g, math.prod(in_sp)))  # (N, G, Cout/G * K, L)
    cols = cols.reshape((n, g * fo, math.prod(ksize)) + in_sp)
    full = [(li - 1) * s + d * (k - 1) + 1 for li, s, d, k in zip(in_sp, stride, dilation, ksize)]
    out_sp = tuple(fl - lo - hi for fl, (lo, hi) in zip(full, padding))
    grid_sp = tuple(max(fl, lo + o) for fl, (lo, _), o in zip(full, padding, out_sp))
    grid = _col2im(xp, cols, ksize, grid_sp, stride, dilation)
    return xp.ascontiguousarray(_crop(grid, padding, out_sp))


# -- pooling ------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _pool_slices(xp, x, kernel_size, stride, padding, dilation, fill):
    xpad = _pad(xp, x, padding, fill)
    out_sp = _out_size(xpad.shape[2:], kernel_size, stride, dilation)
    return xpad, out_sp, _slices(kernel_size, stride, dilation, out_sp)


def max_pool(be, x, kernel_size, stride, padding, dilation, index_dtype):
    """(max of each window, offset of its first maximum inside the kernel in C order, as ``index_dtype``)."""
    xp = be.xp
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
    grid = xp.zeros(gy.shape[:2] + full, dtype=gy.dtype)
    slices = _slices(kernel_size, stride, dilation, gy.shape[2:])
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel_size))
    # select gy where the offset won, else +0.0, as a bitwise AND with an all-ones/zero mask: twice as fast as
    # where() and, unlike gy * mask, it never writes -0.0 or spreads a NaN into cells that were not selected
    as_int = _INT_OF_SIZE[gy.dtype.itemsize]
    bits = gy.view(as_int)
    for i, sl in enumerate(slices):
        mask = xp.negative((arg == i).view(xp.int8), dtype=as_int)
        if disjoint:  # each input cell is read by one (window, offset): write, no accumulation
            xp.bitwise_and(bits, mask, out=grid[sl].view(as_int))
        else:
            grid[sl] += xp.bitwise_and(bits, mask).view(gy.dtype)
    return xp.ascontiguousarray(_crop(grid, padding, spatial))


def _avg_divisor(xp, spatial, dtype, kernel_size, stride, padding, count_pad, divisor_override):
    """Per-window divisor: the window's cells inside the counted region (input plus counted padding)."""
    if divisor_override:
        return divisor_override
    nd = len(kernel_size)
    mask = _pad(xp, xp.ones((1, 1) + tuple(spatial), dtype=dtype), count_pad, 1)
    mask = _pad(xp, mask, tuple((lo - clo, hi - chi) for (lo, hi), (clo, chi) in zip(padding, count_pad)), 0)
    return _window_sum(mask, kernel_size, stride, _out_size(mask.shape[2:], kernel_size, stride,
                                                                      (1,) * nd))


def _window_sum(xpad, kernel_size, stride, out_sp):
    slices = _slices(kernel_size, stride, (1,) * len(kernel_size), out_sp)
    out = xpad[slices[0]].copy()
    for sl in slices[1:]:
        out += xpad[sl]
    return out


def avg_pool(be, x, kernel_size, stride, padding, count_pad, divisor_override):
    xp = be.xp
    nd = len(kernel_size)
    xpad = _pad(xp, x, padding)
    out_sp = _out_size(xpad.shape[2:], kernel_size, stride, (1,) * nd)
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
    for sl in _slices(kernel_size, stride, (1,) * nd, gy.shape[2:]):
        grid[sl] += g
    return xp.ascontiguousarray(_crop(grid, padding, spatial))


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


def layer_norm(be, x, ndim, eps):
    xp = be.xp
    axes = tuple(range(-ndim, 0))
    mu = x.mean(axis=axes, keepdims=True)
    d = x - mu
    var = (d * d).mean(axis=axes, keepdims=True)
    d *= 1.0 / xp.sqrt(var + eps)
    return d.astype(x.dtype, copy=False)


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


def _offsets(ksize):
    """Every index tuple of a kernel of shape ``ksize``."""
    out = [()]
    for k in ksize:
        out = [o + (i,) for o in out for i in range(k)]
    return out


# op name -> kernel, as nr_nn's plugin registers them
KERNELS = {"conv": conv, "conv_weight_grad": conv_weight_grad, "conv_transpose": conv_transpose,
           "max_pool": max_pool, "max_pool_backward": max_pool_backward, "avg_pool": avg_pool,
           "avg_pool_backward": avg_pool_backward, "softmax": softmax, "log_softmax": log_softmax,
           "layer_norm": layer_norm, "binary_cross_entropy": binary_cross_entropy, "lstm_cell": lstm_cell,
           "lstm_cell_backward": lstm_cell_backward, "erf": erf}
