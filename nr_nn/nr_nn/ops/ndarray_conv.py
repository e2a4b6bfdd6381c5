"""Convolution kernels for NumPy-like backends: im2col over the whole batch and one GEMM per group.

The batch is folded into the GEMM: the input is read channel-major and its columns laid out (C, K, <batch and
output grid>), a (C/G * K, N * L) matrix per group, so that

- the forward is ``W (F/G, C/G*K) @ cols``,
- the weight gradient ``gy (F/G, N*L) @ cols^T`` (BLAS reads the transposed operand in place),
- the input gradient a convolution of ``gy`` with the flipped, transposed kernel (unstrided), or ``W^T @ gy``
  followed by col2im (strided),

each one GEMM whose inner dimension spans the whole batch instead of one small GEMM per sample (a per-sample
(512, 4608) @ (4608, 4) leaves BLAS idle, and the old weight gradient summed an N x F x C*K stack). The batch and
grid order inside the columns follows the grid's size: (N, *out) on large grids, where each kernel offset copies
rows of the grid; (*out, N) on small ones (up to 8x8 forward, 16x16 backward: a ResNet's later stages), where
rows of a few values would make the copies crawl and runs of ``W_out * N`` values do not. The only other copies are the layout
changes of inputs and outputs. Columns, padded inputs and GEMM results live in reused scratch buffers
(``_workspace``).

Where the backend's GEMM reads strided windows and accumulates in place (the CPU's BLAS), a unit-stride 2-d
forward on a large grid skips the columns altogether (``_conv_shifted``): one product per kernel offset over the
padded input shifted by that offset, summed by BLAS into one buffer, and so does the input gradient through it.
"""
from __future__ import annotations

import math
from typing import NamedTuple

from ._ndarray_grid import out_size, window_slices
from ._workspace import scratch

# output positions per sample up to which the batch goes last, per kernel: the forward's layout changes cost more
# than its column copies save on larger grids, the backward kernels gain up to 16 x 16 (measured on 2 cores:
# input gradient of 16 -> 32 channels on 14 x 14, batch 64: 2.84 -> 2.16 ms, weight gradient of 128 -> 128 on
# 8 x 8, batch 32: 5.03 -> 3.98 ms; the forward on 14 x 14 2.11 -> 2.76 ms, on 8 x 8 4.87 -> 3.94 ms)
SMALL_GRID = 64
SMALL_GRID_BACKWARD = 256
FEW_ROWS = 32  # rows of the columns matrix (C/G * K) below which the weight gradient is summed over samples
COL2IM_GRID = 16  # input positions per sample up to which a transposed conv always takes the col2im form


class _Layout(NamedTuple):
    """Where the batch sits in a channel-major array: right after the channels, or after the grid."""
    last: bool

    def shape(self, c, n, sp):
        return (c,) + (tuple(sp) + (n,) if self.last else (n,) + tuple(sp))

    def grid(self, t):
        """The grid (spatial) part of a channel-major array's shape."""
        return t.shape[1:-1] if self.last else t.shape[2:]

    def interior(self, spatial):
        """An index of a channel-major array from its spatial slices."""
        return (slice(None),) + (spatial + (slice(None),) if self.last else (slice(None),) + spatial)

    def windows(self, ksize, stride, dilation, out_sp):
        return window_slices(ksize, stride, dilation, out_sp, lead=1 if self.last else 2, trail=int(self.last))

    def channel_major(self, xp, x):
        """(N, C, *sp) viewed in this layout."""
        nd = x.ndim - 2
        return xp.transpose(x, (1,) + (tuple(range(2, 2 + nd)) + (0,) if self.last else (0,) + tuple(range(2, 2 + nd))))

    def batch_first(self, xp, y):
        """A channel-major array as a fresh contiguous (N, C, *sp)."""
        nd = y.ndim - 2
        perm = (nd + 1, 0) + tuple(range(1, nd + 1)) if self.last else (1, 0) + tuple(range(2, 2 + nd))
        return xp.ascontiguousarray(xp.transpose(y, perm))


def _layout(out_sp, small: int = SMALL_GRID) -> _Layout:
    return _Layout(math.prod(out_sp) <= small)


def _source(xp, lay, x, padding, slot="padded"):
    """x (N, C, *sp) channel-major with zero borders (a negative ``hi`` crops): a view when unpadded."""
    if any(lo < 0 or hi < 0 for lo, hi in padding):
        x = x[(slice(None),) * 2 + tuple(slice(max(-lo, 0), n - max(-hi, 0))
                                         for (lo, hi), n in zip(padding, x.shape[2:]))]
        padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
    xt = lay.channel_major(xp, x)
    if not any(lo or hi for lo, hi in padding):
        return xt
    full = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    out = scratch(xp, slot, lay.shape(x.shape[1], x.shape[0], full), x.dtype)
    first = 1 if lay.last else 2
    for i, ((lo, hi), n) in enumerate(zip(padding, full)):  # zero the borders only
        pre = (slice(None),) * (first + i)
        if lo:
            out[pre + (slice(0, lo),)] = 0
        if hi:
            out[pre + (slice(n - hi, n),)] = 0
    out[lay.interior(tuple(slice(lo, n - hi) for (lo, hi), n in zip(padding, full)))] = xt
    return out


def _columns(xp, lay, src, n, ksize, stride, dilation, out_sp):
    """The padded input -> (C, K, <batch and grid>): one strided copy per kernel offset."""
    cols = scratch(xp, "cols", (src.shape[0],) + lay.shape(math.prod(ksize), n, out_sp), src.dtype)
    for i, sl in enumerate(lay.windows(ksize, stride, dilation, out_sp)):
        cols[:, i] = src[sl]
    return cols


def _gemm(xp, a, b, slot):
    """``a @ b`` (stacked over groups) into scratch ``slot``."""
    out = scratch(xp, slot, a.shape[:-1] + b.shape[-1:], a.dtype)
    return xp.matmul(a, b, out=out)


def _channel_major_copy(xp, lay, y, slot):
    """(N, C, *sp) copied channel-major into scratch ``slot`` (a GEMM operand must be one contiguous matrix)."""
    out = scratch(xp, slot, lay.shape(y.shape[1], y.shape[0], y.shape[2:]), y.dtype)
    out[...] = lay.channel_major(xp, y)
    return out


# -- unit-stride 2-d convolutions on large grids: one accumulated GEMM per kernel offset, no columns ---------------
# input channels from which the shifted form wins: each offset's product has them as its inner dimension, and
# BLAS runs a 3- or 1-deep product far below its peak (3 -> 64 channels on 64x64, batch 32: 31.7 ms against 14.7
# with columns; 16 -> 32 on 14x14, batch 64: 2.0-2.6 against 2.6-2.9; 64 -> 64 on 16x16, batch 32: 5.5-9.6
# against 8.2-9.1, measured on 2 cores)
SHIFTED_CHANNELS = 16


def _shifted(be, x, stride, groups, out_sp) -> bool:
    """Whether the shifted form applies: 2-d, unit stride, one group of at least ``SHIFTED_CHANNELS`` input
    channels, a grid past ``SMALL_GRID`` (on smaller ones the padded positions' share of the products grows: 8x8
    computes 10x10) and a backend whose GEMM reads strided windows and accumulates in place."""
    return (x.ndim == 4 and groups == 1 and stride == (1, 1) and x.shape[1] >= SHIFTED_CHANNELS
            and math.prod(out_sp) > SMALL_GRID and be.strided_gemm(x.dtype))


def _shifted_source(be, x, padding, reach):
    """x (N, C, H, W) channel-major on its zero-padded grid, flattened per channel and followed by zeros, so that
    the window of kernel offset (i, j) is the columns ``i * dh * Wp + j * dw`` onwards: (buffer (C, M + slack),
    M = N * Hp * Wp, Hp, Wp)."""
    xp = be.xp
    if any(lo < 0 or hi < 0 for lo, hi in padding):  # a negative width crops
        x = x[:, :, max(-padding[0][0], 0):x.shape[2] - max(-padding[0][1], 0),
              max(-padding[1][0], 0):x.shape[3] - max(-padding[1][1], 0)]
        padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
    n, c, h, w = x.shape
    (top, bottom), (left, right) = padding
    hp, wp = h + top + bottom, w + left + right
    m, slack = n * hp * wp, reach[0] * wp + reach[1]
    flat = scratch(xp, "padded", (c, m + slack), x.dtype)
    grid = flat[:, :m].reshape(c, n, hp, wp)
    for border in (grid[:, :, :top], grid[:, :, hp - bottom:], grid[:, :, top:hp - bottom, :left],
                   grid[:, :, top:hp - bottom, wp - right:], flat[:, m:]):
        border[...] = 0
    grid[:, :, top:top + h, left:left + w] = xp.transpose(x, (1, 0, 2, 3))
    return flat, m, hp, wp


def _offsets(ksize, dilation, wp):
    return [(i, j, i * dilation[0] * wp + j * dilation[1]) for i in range(ksize[0]) for j in range(ksize[1])]


def _conv_shifted(be, x, w, padding, dilation):
    """y = sum over kernel offsets of W[:, :, i, j] (F, C) @ the input's window at that offset (C, N * Hp * Wp):
    BLAS accumulates each product into one (F, N * Hp * Wp) buffer, computed on every padded position (Wp / W
    and Hp / H more work) and cropped after; the columns' copy of nine times the input never happens. None where
    the backend's GEMM refuses the operands. (The weight gradient keeps the columns: as nine GEMMs of a small
    (F, C) result over a long inner dimension it took 1.1-1.8x their time.)"""
    xp = be.xp
    f, _, kh, kw = w.shape
    reach = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))
    flat, m, hp, wp = _shifted_source(be, x, padding, reach)
    wk = xp.ascontiguousarray(xp.transpose(w, (2, 3, 0, 1)))  # (kh, kw, F, C): one contiguous matrix per offset
    out = scratch(xp, "gemm", (f, m), x.dtype)
    for i, j, off in _offsets((kh, kw), dilation, wp):
        if not be.gemm(wk[i, j], flat[:, off:off + m], out, 0.0 if off == 0 else 1.0):
            return None  # operands BLAS cannot take as they are (mixed dtypes): the columns form instead
    y = out.reshape(f, x.shape[0], hp, wp)[:, :, :hp - reach[0], :wp - reach[1]]
    return xp.ascontiguousarray(xp.transpose(y, (1, 0, 2, 3)))


def conv(be, x, w, stride, padding, dilation, groups):
    xp = be.xp
    ksize = w.shape[2:]
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    out_sp = out_size(padded, ksize, stride, dilation)
    if x.shape[0] and _shifted(be, x, stride, groups, out_sp):
        y = _conv_shifted(be, x, w, padding, dilation)
        if y is not None:
            return y
    lay = _layout(out_sp)
    n, f, g = x.shape[0], w.shape[0], groups
    cols = _columns(xp, lay, _source(xp, lay, x, padding), n, ksize, stride, dilation, out_sp)
    m = n * math.prod(out_sp)
    rows = x.shape[1] // g * math.prod(ksize)  # explicit: a -1 is ambiguous for an empty batch
    out = _gemm(xp, w.reshape(g, f // g, rows), cols.reshape(g, rows, m), "gemm")  # (G, F/G, N*L)
    return lay.batch_first(xp, out.reshape(lay.shape(f, n, out_sp)))


def conv_weight_grad(be, x, gy, weight_shape, stride, padding, dilation, groups):
    xp = be.xp
    ksize = tuple(weight_shape[2:])
    out_sp = gy.shape[2:]
    lay = _layout(out_sp, SMALL_GRID_BACKWARD)
    n, f, g = x.shape[0], gy.shape[1], groups
    cols = _columns(xp, lay, _source(xp, lay, x, padding), n, ksize, stride, dilation, out_sp)
    m = n * math.prod(out_sp)
    gyt = _channel_major_copy(xp, lay, gy, "grad")
    rows = x.shape[1] // g * math.prod(ksize)
    if g == 1 and rows < FEW_ROWS and n > 1 and not lay.last:
        # a (F, N*L) x (N*L, rows) product with a few rows leaves BLAS idle (16 x 9 over 50176: 26 GFLOP/s); one
        # product per sample, then their sum, takes half the time
        per_sample = xp.matmul(xp.swapaxes(gyt.reshape(f, n, -1), 0, 1), xp.moveaxis(cols.reshape(rows, n, -1), 0, 2))
        gw = per_sample.sum(axis=0)
    elif m >= 4 * rows:
        # cols (rows, N*L) times gy^T, transposed after: OpenBLAS runs the product with the taller left operand
        # faster (32 x 144 over 12544: 0.80 ms against 1.21), and the transposing copy is small next to it (not
        # so for deep layers on small grids, where a 4608 x 512 transpose alone takes 17 ms)
        gw = xp.swapaxes(xp.matmul(cols.reshape(g, rows, m), xp.swapaxes(gyt.reshape(g, f // g, m), 1, 2)), 1, 2)
    else:
        gw = xp.matmul(gyt.reshape(g, f // g, m), xp.swapaxes(cols.reshape(g, rows, m), 1, 2))
    return xp.ascontiguousarray(gw).reshape(tuple(weight_shape))


def conv_transpose(be, x, w, stride, padding, dilation, groups):
    """Adjoint of ``conv``: x (N, Cin, *L), w (Cin, Cout/G, *k); output cropped by ``padding`` pairs
    from the full size ``(L-1)*s + d*(k-1) + 1`` (a negative ``hi`` extends it with zeros).

    Unstrided, with at least as many output as input channels on a grid of more than ``COL2IM_GRID`` cells, it is
    a convolution with the flipped, transposed kernel (im2col writes each cell once, where col2im reads and writes
    the grid once per offset: about a third faster); otherwise GEMM then col2im, whose columns hold the output's
    channels (half as many where a conv halved them) and which needs no flipped copy of the weight (on 2x2 and
    4x4 grids that copy and the columns cost more than the GEMM: 512 channels on 2x2, 4.0 ms against 8.8)."""
    xp = be.xp
    n, c = x.shape[:2]
    g, fo, ksize, in_sp = groups, w.shape[1], w.shape[2:], x.shape[2:]
    nd = len(ksize)
    if all(s == 1 for s in stride) and fo * g >= c and math.prod(in_sp) > COL2IM_GRID:
        wt = xp.swapaxes(w.reshape((g, c // g, fo) + ksize), 1, 2).reshape((g * fo, c // g) + ksize)
        wt = xp.ascontiguousarray(xp.flip(wt, axis=tuple(range(2, 2 + nd))))
        reach = [d * (kk - 1) for d, kk in zip(dilation, ksize)]
        return conv(be, x, wt, stride, tuple((r - lo, r - hi) for r, (lo, hi) in zip(reach, padding)), dilation,
                    groups)
    lay = _layout(in_sp, SMALL_GRID_BACKWARD)
    k = math.prod(ksize)
    m = n * math.prod(in_sp)
    xt = _channel_major_copy(xp, lay, x, "grad")
    wt = xp.swapaxes(w.reshape(g, c // g, fo * k), 1, 2)  # (G, Cout/G * K, Cin/G), read transposed by BLAS
    cols = _gemm(xp, wt, xt.reshape(g, c // g, m), "cols").reshape((g * fo,) + lay.shape(k, n, in_sp))
    full = [(li - 1) * s + d * (kk - 1) + 1 for li, s, d, kk in zip(in_sp, stride, dilation, ksize)]
    out_sp = tuple(fl - lo - hi for fl, (lo, hi) in zip(full, padding))
    grid_sp = tuple(max(fl, lo + o) for fl, (lo, _), o in zip(full, padding, out_sp))
    grid = scratch(xp, "padded", lay.shape(g * fo, n, grid_sp), x.dtype)
    grid.fill(0)
    for i, sl in enumerate(lay.windows(ksize, stride, dilation, in_sp)):
        grid[sl] += cols[:, i]
    return lay.batch_first(xp, grid[lay.interior(tuple(slice(lo, lo + o) for (lo, _), o in zip(padding, out_sp)))])
