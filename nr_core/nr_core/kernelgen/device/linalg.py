"""matmul: batched, broadcast, strided operands; tiled in local memory on GPUs, packed and register-blocked on
CPU devices."""
from __future__ import annotations

import math

from .. import matmul as gen
from . import lazy
from .buffer import DeviceBuffer, coalesce
from .lazy import realize

# (tile, rows per work-item): a tile x tile block of C per work-group, largest first; 64/8 measured best on
# PoCL (10 GFLOP/s at 1024^2 against 2 for a plain 16x16 tile), smaller ones for small local memories
SHAPES = ((64, 8), (32, 4), (16, 2), (8, 1))
# rows of C per work-item on CPU devices; float32 columns are two native vectors (16 on AVX2,
# 32 on AVX-512), so each row's accumulators are two registers the compiler's vectoriser fills. Measured on PoCL
# at 1024^2 float32, 2 cores: 4 x 16 best on znver3 (AVX2, ~100 GFLOP/s, 10x the tiled kernel); on rocketlake
# (AVX-512) 4 x 32 takes 12.0 ms against 15.5 ms for 4 x 16 (8 x 32 and 16 x 16 spill: 15 and 22 ms)
BLOCK_ROWS = 4


def block(rt, dtype) -> tuple[int, int]:
    """(rows, cols) of C one work-item of the blocked product keeps in registers (other dtypes than float32
    keep the 4 x 16 measured on AVX2)."""
    return BLOCK_ROWS, max(16, 2 * rt.vector_width) if dtype.itemsize == 4 else 16


BLOCKED_MIN_WORK = 1 << 18  # multiply-adds below which one naive launch beats packing (3 launches)


def _shape_for(rt, itemsize: int, M: int, N: int) -> tuple[int, int]:
    """The largest tile the device's local memory and work-group size allow, but no larger than the
    output (a 64-wide tile over a 10-column result would idle most of its work-items)."""
    fits = [(t, w) for t, w in SHAPES if 2 * t * t * itemsize <= rt.local_mem // 2 and t * (t // w) <= rt.max_wg]
    for tile, work in fits:
        if tile <= max(M, N):
            return tile, work
    return fits[-1] if fits else SHAPES[-1]


def _batch_strides(buf: DeviceBuffer, batch: tuple) -> tuple:
    shape, strides = buf.shape[:-2], buf.strides[:-2]
    lead = len(batch) - len(shape)
    return (0,) * lead + tuple(0 if n == 1 else s for n, s in zip(shape, strides))


def matmul(x1, x2):
    a, b = realize(x1), realize(x2)
    vec_a, vec_b = a.ndim == 1, b.ndim == 1
    if vec_a:
        a = a.view((1,) + a.shape, (0,) + a.strides, a.offset)
    if vec_b:
        b = b.view(b.shape + (1,), b.strides + (0,), b.offset)
    batch = []
    sa, sb = a.shape[:-2], b.shape[:-2]
    n = max(len(sa), len(sb))
    for u, v in zip((1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb):
        batch.append(v if u == 1 else u)
    batch = tuple(batch)
    M, K, N = a.shape[-2], a.shape[-1], b.shape[-1]
    rt = a.rt
    shape = batch + (M, N)
    final = shape[:-2] + (() if vec_a else (M,)) + (() if vec_b else (N,))
    if K == 0:
        return lazy.full(rt, final, 0, a.dtype)
    B = math.prod(batch)
    blocked = rt.is_cpu and a.dtype.kind == "f" and M * N * K * B >= BLOCKED_MIN_WORK
    if blocked:  # C padded to whole blocks; the result views its top-left M x N
        rows, cols = block(rt, a.dtype)
        padded = DeviceBuffer.empty(rt, batch + (-(-M // rows) * rows, -(-N // cols) * cols), a.dtype)
        out = padded.view(shape, padded.strides, 0)
    else:
        out = DeviceBuffer.empty(rt, shape, a.dtype)
    if B and M and N:
        bd, (bsa, bsb) = coalesce(batch, [_batch_strides(a, batch), _batch_strides(b, batch)])
        if blocked:
            _blocked(rt, a, b, out, (M, N, K, B), bd, bsa, bsb)
        elif rt.is_cpu:
            _naive(rt, a, b, out, (M, N, K, B), bd, bsa, bsb)
        else:
            _tiled(rt, a, b, out, (M, N, K, B), bd, bsa, bsb)
    return out.view(final, tuple(s for s, keep in zip(out.strides, shape_mask(len(batch), vec_a, vec_b)) if keep),
                    0)


def shape_mask(nb: int, vec_a: bool, vec_b: bool) -> tuple:
    """Which axes of the (batch, M, N) result survive when 1-D operands drop theirs."""
    return (True,) * nb + (not vec_a, not vec_b)


def _tiled(rt, a: DeviceBuffer, b: DeviceBuffer, out: DeviceBuffer, mnkb: tuple, bd, bsa, bsb) -> None:
    M, N, K, B = mnkb
    tile, work = _shape_for(rt, a.dtype.itemsize, M, N)
    k = gen.tiled(rt.dialect, a.dtype.str, len(bd), tile, work)
    args = [out.storage.buf, a.storage.buf, b.storage.buf, M, N, K,
            a.offset, a.strides[-2], a.strides[-1], b.offset, b.strides[-2], b.strides[-1], *bd, *bsa, *bsb]
    rows = tile // work
    rt.run(k, (-(-N // tile) * tile, -(-M // tile) * rows, B), (tile, rows, 1), args)


def _blocked(rt, a: DeviceBuffer, b: DeviceBuffer, out: DeviceBuffer, mnkb: tuple, bd, bsa, bsb) -> None:
    """Pack A into row panels and B into column panels (each read once, from any strides), then the
    register-blocked product over the panels into ``out``, a view of C padded to whole blocks."""
    M, N, K, B = mnkb
    rows, cols = block(rt, a.dtype)
    MB, NB = -(-M // rows), -(-N // cols)
    d, dt = rt.dialect, a.dtype
    pa = DeviceBuffer.empty(rt, (B * MB * K * rows,), dt)
    pb = DeviceBuffer.empty(rt, (B * NB * K * cols,), dt)
    for panel, src, width, lines, nblk, s_line, s_k, bs in (
            (pa, a, rows, M, MB, a.strides[-2], a.strides[-1], bsa),
            (pb, b, cols, N, NB, b.strides[-1], b.strides[-2], bsb)):
        n = panel.size // width
        rt.run_1d(gen.pack(d, dt.str, width, len(bd)), n,
                  [panel.storage.buf, src.storage.buf, src.offset, s_line, s_k, lines, K, nblk, n, *bd, *bs])
    rt.run(gen.blocked(d, dt.str, rows, cols), (MB, NB, B), (1, 1, 1),
           [out.storage.buf, pa.storage.buf, pb.storage.buf, K, MB, NB])


def _naive(rt, a: DeviceBuffer, b: DeviceBuffer, out: DeviceBuffer, mnkb: tuple, bd, bsa, bsb) -> None:
    M, N, K, B = mnkb
    n = M * N * B
    rt.run_1d(gen.naive(rt.dialect, a.dtype.str, len(bd)), n,
              [out.storage.buf, a.storage.buf, b.storage.buf, M, N, K, a.offset, a.strides[-2], a.strides[-1],
               b.offset, b.strides[-2], b.strides[-1], n, *bd, *bsa, *bsb])
