"""Convolution kernels for NumPy-like backends: im2col over the whole batch and one GEMM per group.

The batch is folded into the GEMM: the input is read channel-major, (C, N, *padded), and its columns are laid out
(C, K, N, *out), a (C/G * K, N * L) matrix per group, so that

- the forward is ``W (F/G, C/G*K) @ cols``,
- the weight gradient ``gy (F/G, N*L) @ cols^T`` (BLAS reads the transposed operand in place),
- the input gradient ``W^T @ gy`` followed by col2im onto a channel-major grid,

each one GEMM whose inner dimension spans the whole batch instead of one small GEMM per sample (a per-sample
(512, 4608) @ (4608, 4) leaves BLAS idle and the old weight gradient summed an N x F x C*K stack). The only
transposes are the C <-> N swaps of inputs and outputs, which are small next to the columns. Columns, padded
inputs and GEMM results live in reused scratch buffers (``_workspace``).
"""
from __future__ import annotations

import math

from ._ndarray_grid import out_size, window_slices
from ._workspace import scratch


def _channel_major(xp, x, padding, slot="padded"):
    """x (N, C, *sp) as (C, N, *padded) with zero borders (a negative ``hi`` crops): a view when unpadded."""
    lead = (slice(None), slice(None))
    if any(lo < 0 or hi < 0 for lo, hi in padding):
        x = x[lead + tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(padding, x.shape[2:]))]
        padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
    xt = xp.swapaxes(x, 0, 1)
    if not any(lo or hi for lo, hi in padding):
        return xt
    full = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    out = scratch(xp, slot, xt.shape[:2] + full, x.dtype)
    for i, ((lo, hi), n) in enumerate(zip(padding, full)):  # zero the borders only
        pre = (slice(None),) * (2 + i)
        if lo:
            out[pre + (slice(0, lo),)] = 0
        if hi:
            out[pre + (slice(n - hi, n),)] = 0
    out[lead + tuple(slice(lo, n - hi) for (lo, hi), n in zip(padding, full))] = xt
    return out


def _columns(xp, src, ksize, stride, dilation, out_sp):
    """src (C, N, *padded) -> (C, K, N, *out): one strided copy per kernel offset."""
    c, n = src.shape[:2]
    cols = scratch(xp, "cols", (c, math.prod(ksize), n) + tuple(out_sp), src.dtype)
    for i, sl in enumerate(window_slices(ksize, stride, dilation, out_sp)):
        cols[:, i] = src[sl]
    return cols


def _gemm(xp, a, b, slot):
    """``a @ b`` (stacked over groups) into scratch ``slot``."""
    out = scratch(xp, slot, a.shape[:-1] + b.shape[-1:], a.dtype)
    return xp.matmul(a, b, out=out)


def _batch_major(xp, y):
    """(C, N, *sp) -> a fresh contiguous (N, C, *sp)."""
    return xp.ascontiguousarray(xp.swapaxes(y, 0, 1))


def conv(be, x, w, stride, padding, dilation, groups):
    xp = be.xp
    ksize = w.shape[2:]
    src = _channel_major(xp, x, padding)
    out_sp = out_size(src.shape[2:], ksize, stride, dilation)
    cols = _columns(xp, src, ksize, stride, dilation, out_sp)
    n, f, g = x.shape[0], w.shape[0], groups
    m = n * math.prod(out_sp)
    out = _gemm(xp, w.reshape(g, f // g, -1), cols.reshape(g, -1, m), "gemm")  # (G, F/G, N*L)
    return _batch_major(xp, out.reshape((f, n) + out_sp))


def conv_weight_grad(be, x, gy, weight_shape, stride, padding, dilation, groups):
    xp = be.xp
    ksize = tuple(weight_shape[2:])
    out_sp = gy.shape[2:]
    cols = _columns(xp, _channel_major(xp, x, padding), ksize, stride, dilation, out_sp)
    n, f, g = x.shape[0], gy.shape[1], groups
    m = n * math.prod(out_sp)
    gyt = scratch(xp, "grad", (f, n) + tuple(out_sp), gy.dtype)
    gyt[...] = xp.swapaxes(gy, 0, 1)
    gw = xp.matmul(gyt.reshape(g, f // g, m), xp.swapaxes(cols.reshape(g, -1, m), 1, 2))
    return gw.reshape(tuple(weight_shape))


def conv_transpose(be, x, w, stride, padding, dilation, groups):
    """Adjoint of ``conv``: x (N, Cin, *L), w (Cin, Cout/G, *k); output cropped by ``padding`` pairs
    from the full size ``(L-1)*s + d*(k-1) + 1`` (a negative ``hi`` extends it with zeros).

    Unstrided, it is a convolution with the flipped, transposed kernel (im2col writes each cell once, where col2im
    reads and writes the grid once per offset: about a third faster); strided, GEMM then col2im."""
    xp = be.xp
    n, c = x.shape[:2]
    g, fo, ksize, in_sp = groups, w.shape[1], w.shape[2:], x.shape[2:]
    nd = len(ksize)
    if all(s == 1 for s in stride):
        wt = xp.swapaxes(w.reshape((g, c // g, fo) + ksize), 1, 2).reshape((g * fo, c // g) + ksize)
        wt = xp.ascontiguousarray(xp.flip(wt, axis=tuple(range(2, 2 + nd))))
        reach = [d * (kk - 1) for d, kk in zip(dilation, ksize)]
        return conv(be, x, wt, stride, tuple((r - lo, r - hi) for r, (lo, hi) in zip(reach, padding)), dilation,
                    groups)
    k = math.prod(ksize)
    m = n * math.prod(in_sp)
    xt = scratch(xp, "grad", (c, n) + tuple(in_sp), x.dtype)
    xt[...] = xp.swapaxes(x, 0, 1)
    wt = xp.swapaxes(w.reshape(g, c // g, fo * k), 1, 2)  # (G, Cout/G * K, Cin/G), read transposed by BLAS
    cols = _gemm(xp, wt, xt.reshape(g, c // g, m), "cols").reshape((g * fo, k, n) + tuple(in_sp))
    full = [(li - 1) * s + d * (kk - 1) + 1 for li, s, d, kk in zip(in_sp, stride, dilation, ksize)]
    out_sp = tuple(fl - lo - hi for fl, (lo, hi) in zip(full, padding))
    grid_sp = tuple(max(fl, lo + o) for fl, (lo, _), o in zip(full, padding, out_sp))
    grid = scratch(xp, "padded", (g * fo, n) + grid_sp, x.dtype)
    grid.fill(0)
    for i, sl in enumerate(window_slices(ksize, stride, dilation, in_sp)):
        grid[sl] += cols[:, i]
    crop = tuple(slice(lo, lo + o) for (lo, _), o in zip(padding, out_sp))
    return _batch_major(xp, grid[(slice(None), slice(None)) + crop])
