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
from nr_core.native import FLOAT, INT, LONG, PTR, Native, addr

from . import ndarray_attention, ndarray_conv, ndarray_loss, ndarray_recurrent
from ._ndarray_grid import crop, out_size, pad, window_slices
from ._ndarray_phases import Phases

# the gradient of 2-d max pooling (float32, int8 offsets) as one compiled scatter (native_pooling.c)
_POOL = Native(__file__, "native_pooling.c",
               {"nr_max_pool2d_backward_f32": (LONG,) * 13 + (INT,) + (PTR,) * 3})


def _native_pool(be, x, kernel_size, index_dtype):
    if x.ndim != 4 or np.dtype(index_dtype) != np.int8 or math.prod(kernel_size) > 127:
        return None
    return _POOL.functions(be, x)


def _pool_geometry(x_shape, out_shape, kernel_size, stride, padding, dilation):
    (n, c, h, w), (oh, ow) = x_shape, out_shape[2:]
    return (n * c, h, w, oh, ow, *kernel_size, *stride, padding[0][0], padding[1][0], *dilation)


# -- pooling ------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _pool_slices(xp, x, kernel_size, stride, padding, dilation, fill):
    xpad = pad(xp, x, padding, fill)
    out_sp = out_size(xpad.shape[2:], kernel_size, stride, dilation)
    return xpad, out_sp, window_slices(kernel_size, stride, dilation, out_sp)


_POOL_BLOCK = 1 << 16  # positions per block of the pooling passes (each pass then stays in L2)


def _max_pool_phases(xp, x, kernel_size, stride, padding, dilation, index_dtype):
    """``max_pool`` as long contiguous passes over the input's stride phases (``_ndarray_phases``): per kernel
    offset a strict comparison, an arithmetic select of the offset and a maximum, in C order, so the first
    maximum wins as in the strided form it replaced (3x3/2 with padding 1 on (32, 64, 32, 32): 10.9 -> 5.2 ms
    forward, 24.3 -> 16.8 ms with the backward, measured on 2 cores)."""
    lowest = _lowest(x.dtype)
    if any(lo < 0 or hi < 0 for lo, hi in padding):  # a negative width crops
        x = crop(x, tuple((max(-lo, 0), max(-hi, 0)) for lo, hi in padding),
                 tuple(n - max(-lo, 0) - max(-hi, 0) for n, (lo, hi) in zip(x.shape[2:], padding)))
        padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
    full = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    ph = Phases(full, kernel_size, stride, dilation, out_size(full, kernel_size, stride, dilation))
    flat = ph.split(xp, x, padding, lowest)
    m = flat.shape[1]
    n = ph.length(m)
    best = xp.empty(m, dtype=x.dtype)
    best[n:] = lowest
    arg = xp.zeros(m, dtype=index_dtype.numpy)
    better = xp.empty(min(n, _POOL_BLOCK), dtype=bool)
    (p0, s0), rest = ph.reads[0], list(enumerate(ph.reads[1:], 1))
    # in blocks of positions, so every offset's pass over a block finds it (and its neighbours' rows) in cache
    for lo in range(0, n, _POOL_BLOCK):
        hi = min(lo + _POOL_BLOCK, n)
        b, a, bt = best[lo:hi], arg[lo:hi], better[:hi - lo]
        b[...] = flat[p0, s0 + lo:s0 + hi]
        for i, (p, sh) in rest:
            v = flat[p, sh + lo:sh + hi]
            xp.greater(v, b, out=bt)
            # a += bt * (i - a): an arithmetic select, several times faster than where/putmask here
            a += bt * (a.dtype.type(i) - a)
            xp.maximum(b, v, out=b)
    lead = x.shape[:2]
    return xp.ascontiguousarray(ph.cells_of(best, lead)), xp.ascontiguousarray(ph.cells_of(arg, lead))


def max_pool(be, x, kernel_size, stride, padding, dilation, index_dtype):
    """(max of each window, offset of its first maximum inside the kernel in C order, as ``index_dtype``)."""
    xp = be.xp
    if x.dtype.kind in "fiu" and x.size:
        return _max_pool_phases(xp, x, kernel_size, stride, padding, dilation, index_dtype)
    xpad, _, slices = _pool_slices(xp, x, kernel_size, stride, padding, dilation, _lowest(x.dtype))
    best = xpad[slices[0]].copy()
    arg = xp.zeros(best.shape, dtype=index_dtype.numpy)
    better = xp.empty(best.shape, dtype=bool)
    for i, sl in enumerate(slices[1:], 1):
        v = xpad[sl]
        xp.greater(v, best, out=better)
        arg += better.astype(arg.dtype) * (arg.dtype.type(i) - arg)
        xp.maximum(best, v, out=best)
    return best, arg


def max_pool_backward(be, arg, gy, input_shape, kernel_size, stride, padding, dilation):
    """Each output's gradient to the input cell its offset names. Disjoint windows write it in place, one strided
    pass per offset; overlapping ones add it along the phase each offset reads (one contiguous pass per offset, in
    blocks), the phases interleaved back at the end."""
    xp = be.xp
    spatial = tuple(input_shape[2:])
    if any(lo < 0 or hi < 0 for lo, hi in padding):  # the forward cropped x first: its gradient is zero there
        cut = tuple((max(-lo, 0), max(-hi, 0)) for lo, hi in padding)
        inner = tuple(n - a - b for n, (a, b) in zip(spatial, cut))
        out = xp.zeros(tuple(input_shape), dtype=gy.dtype)
        out[(slice(None),) * 2 + tuple(slice(a, a + n) for (a, _), n in zip(cut, inner))] = max_pool_backward(
            be, arg, gy, tuple(input_shape[:2]) + inner, kernel_size, stride,
            tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding), dilation)
        return out
    full = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, padding))
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel_size))
    native = None
    if gy.size and type(arg) is np.ndarray and arg.shape == gy.shape:
        native = _native_pool(be, gy, kernel_size, arg.dtype)
    if native is not None and len(input_shape) == 4 and tuple(input_shape[:2]) == gy.shape[:2]:
        gy, arg = xp.ascontiguousarray(gy), xp.ascontiguousarray(arg)
        gx = xp.zeros(tuple(input_shape), dtype=gy.dtype)
        native[0](*_pool_geometry(gx.shape, gy.shape, kernel_size, stride, padding, dilation), int(disjoint),
                  addr(gy), addr(arg), addr(gx))
        return gx
    as_int = _INT_OF_SIZE[gy.dtype.itemsize]
    # select gy where the offset won, else +0.0, as the bit pattern times the 0/1 mask (exact for every pattern):
    # unlike gy * mask in floats, it never writes -0.0 or spreads a NaN into cells that were not selected
    if disjoint:
        # disjoint windows: each input cell has at most one reader, written in place, one pass in all
        covered = all(n == o * s for n, o, s in zip(full, gy.shape[2:], stride)) and all(
            k == s for k, s in zip(kernel_size, stride))
        grid = (xp.empty if covered else xp.zeros)(gy.shape[:2] + full, dtype=gy.dtype)
        bits = gy.view(as_int)
        for i, sl in enumerate(window_slices(kernel_size, stride, dilation, gy.shape[2:])):
            xp.multiply(bits, arg == i, out=grid[sl].view(as_int))
        return xp.ascontiguousarray(crop(grid, padding, spatial))
    ph = Phases(full, kernel_size, stride, dilation, gy.shape[2:])
    lead = gy.shape[:2]
    g = ph.on_grid(xp, gy, 0)
    a = ph.on_grid(xp, arg, -1)  # -1 matches no offset: the dropped positions add nothing
    m = g.size
    n = ph.length(m)
    phases = xp.zeros((len(ph.keys), m), dtype=gy.dtype)
    bits = g.view(as_int)
    for lo in range(0, n, _POOL_BLOCK):  # in blocks, as the forward
        hi = min(lo + _POOL_BLOCK, n)
        bb, ab = bits[lo:hi], a[lo:hi]
        for i, (p, sh) in enumerate(ph.reads):
            phases[p, sh + lo:sh + hi] += xp.multiply(bb, ab == i).view(gy.dtype)
    return ph.merge(xp, phases, lead, padding, spatial, gy.dtype)


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


def affine(be, x, weight, bias):
    out = x.copy() if weight is None else be.xp.multiply(x, weight)
    if bias is not None:
        out += bias
    return out


def affine_backward(be, x, weight, g, needs):
    xp = be.xp
    none = xp.zeros((0,), dtype=g.dtype)
    k = weight.size
    gx = xp.multiply(g, weight) if needs[0] else none
    gw = gb = none
    if needs[1] or needs[2]:
        rows = g.size // k if k else 0
        g2 = xp.reshape(g, (rows, k))
        # the sums over the leading dims as ones @ rows (NumPy adds rows one after another)
        ones = xp.ones(rows, dtype=g.dtype) if g.dtype in (np.float32, np.float64) else None

        def lead_sum(t):
            return (xp.matmul(ones, t) if ones is not None else t.sum(axis=0)).reshape(weight.shape)
        if needs[1]:
            gw = lead_sum(xp.multiply(g2, xp.reshape(x, (rows, k))))
        if needs[2]:
            gb = lead_sum(g2)
    return gx, gw, gb


def _channels(x):
    """Reduction axes (all but 1) and the broadcast shape (1, C, 1, ...) of a per-channel statistic."""
    return (0,) + tuple(range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)


def _channel_sum(be, t, axes):
    # through the backend's sum: the CPU backend's is one or two GEMVs over (N, C, *d) with ones, four times
    # NumPy's reduction over the leading and trailing axes
    return be.k_sum(t, axis=axes)


# batch normalisation's training forward and backward (float32, at least 2-d) as compiled per-channel passes
_NORM = Native(__file__, "native_normalization.c",
               {"nr_batch_norm_f32": (LONG,) * 3 + (PTR,) * 3 + (FLOAT,) + (PTR,) * 3,
                "nr_batch_norm_backward_f32": (LONG,) * 3 + (PTR,) * 5 + (FLOAT,) + (PTR,) * 3})


def _native_norm(be, x, *arrays):
    if x.ndim < 2 or not x.size or any(a is not None and a.shape != (x.shape[1],) for a in arrays):
        return None
    return _NORM.functions(be, x, *arrays)


def _opt_addr(a):
    return None if a is None else addr(a)


def batch_norm(be, x, weight, bias, eps):
    xp = be.xp
    native = _native_norm(be, x, weight, bias)
    if native is not None:
        x = xp.ascontiguousarray(x)
        weight, bias = (None if a is None else xp.ascontiguousarray(a) for a in (weight, bias))
        n, c = x.shape[:2]
        y, mean, var = xp.empty_like(x), xp.empty(c, dtype=x.dtype), xp.empty(c, dtype=x.dtype)
        native[0](n, c, x.size // (n * c), addr(x), _opt_addr(weight), _opt_addr(bias), eps, addr(y), addr(mean),
                  addr(var))
        return y, mean, var
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
    native = None
    if (gy is not None and gmean is None and gvar is None and type(gy) is np.ndarray and gy.shape == x.shape
            and gy.dtype == x.dtype):
        native = _native_norm(be, x, weight, mean, var)
    if native is not None:
        x, gy, mean, var = (xp.ascontiguousarray(a) for a in (x, gy, mean, var))
        weight = None if weight is None else xp.ascontiguousarray(weight)
        n, c = x.shape[:2]
        gx, gw, gb = xp.empty_like(x), xp.empty(c, dtype=x.dtype), xp.empty(c, dtype=x.dtype)
        native[1](n, c, x.size // (n * c), addr(x), _opt_addr(weight), addr(mean), addr(var), addr(gy), eps, addr(gx),
                  addr(gw), addr(gb))
        return gx, gw, gb
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
           "linear_backward": linear_backward, "affine": affine, "affine_backward": affine_backward,
           "binary_cross_entropy": binary_cross_entropy, "lstm_cell": lstm_cell,
           "lstm_cell_backward": lstm_cell_backward, "erf": erf,
           **ndarray_loss.KERNELS, **ndarray_recurrent.KERNELS, **ndarray_attention.KERNELS}
