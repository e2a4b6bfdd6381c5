"""Reduction and scan kernels: sum/prod/max/min/all/any/argmax/argmin/mean over any axes, cumulative sums."""
from __future__ import annotations

import math

import numpy as np

from .. import reduce as gen
from . import lazy
from .buffer import DeviceBuffer, c_strides, coalesce
from .lazy import Const, realize

SERIAL_MAX_K = 64       # up to this many elements per output, one work-item reduces a whole output (GPUs)
SPLIT_MIN_K = 1 << 15   # past this many elements per output, and few outputs, split each output in chunks
CPU_SPLIT_MIN_K = 1 << 13
SERIAL_LOCAL = 64
_IDENTITY = {"sum": 0, "prod": 1, "all": True, "any": False}
_BOOL = np.dtype(np.bool_)
_I64 = np.dtype(np.int64)


def _pow2_at_most(n: int, cap: int) -> int:
    p = 1
    while p * 2 <= min(n, cap):
        p *= 2
    return p


def _launch(rt, op, src: DeviceBuffer, kshape, kstrides, rshape, rstrides, in_dt, acc_dt, out_dt, out: DeviceBuffer,
            G: int = 1) -> None:
    M, K = math.prod(kshape), math.prod(rshape)
    kd, (ks,) = coalesce(kshape, [kstrides])
    rd, (rs,) = coalesce(rshape, [rstrides])
    # CPU devices: one work-item per (output, chunk), no barrier (a tree would split PoCL's work-item loops)
    serial = rt.is_cpu or (K <= SERIAL_MAX_K and G == 1)
    local = 0 if serial else max(_pow2_at_most(-(-K // G), min(256, rt.max_wg)), 2)
    k = gen.reduction(rt.dialect, op, in_dt.str, acc_dt.str, out_dt.str, len(kd), len(rd), local)
    args = [out.storage.buf, src.storage.buf, src.offset, *kd, *ks, *rd, *rs, M, K, G, -(-K // G)]
    if serial:
        rt.run_1d(k, M * G, args, SERIAL_LOCAL)
    else:
        rt.run(k, (M * G * local,), (local,), args)


def reduce(op: str, x, axis, keepdims: bool, dtype=None):
    """``op`` over ``axis`` (None: all); ``dtype`` an nr DType for sum/prod accumulation."""
    b = realize(x)
    rt, nd = b.rt, b.ndim
    axes = tuple(range(nd)) if axis is None else tuple(axis)
    kept = [i for i in range(nd) if i not in axes]
    kshape = tuple(b.shape[i] for i in kept)
    rshape = tuple(b.shape[i] for i in axes)
    out_shape = tuple(1 if i in axes else n for i, n in enumerate(b.shape)) if keepdims else kshape
    in_dt = b.dtype
    if op in ("argmax", "argmin"):
        acc_dt, out_dt = in_dt, _I64
    elif op in ("all", "any"):
        acc_dt = out_dt = _BOOL
    elif op in ("sum", "prod"):
        acc_dt = out_dt = np.dtype(dtype.numpy) if dtype is not None else in_dt
    else:
        acc_dt = out_dt = in_dt
    M, K = math.prod(kshape), math.prod(rshape)
    if K == 0 or M == 0:
        return lazy.full(rt, out_shape, _IDENTITY.get(op, 0), out_dt)
    out = DeviceBuffer.empty(rt, kshape, out_dt)
    kstrides = tuple(b.strides[i] for i in kept)
    rstrides = tuple(b.strides[i] for i in axes)
    G = 1
    split_min = CPU_SPLIT_MIN_K if rt.is_cpu else SPLIT_MIN_K
    if op not in ("argmax", "argmin") and K >= split_min and M < 4 * rt.compute_units:
        G = min(64, max(2, (4 * rt.compute_units) // M), K // 4096)  # two stages: chunks, then the partials
    if G > 1:
        part = DeviceBuffer.empty(rt, (M, G), acc_dt)
        _launch(rt, op, b, kshape, kstrides, rshape, rstrides, in_dt, acc_dt, acc_dt, part, G)
        _launch(rt, op, part, (M,), (G,), (G,), (1,), acc_dt, acc_dt, out_dt, out)
    else:
        _launch(rt, op, b, kshape, kstrides, rshape, rstrides, in_dt, acc_dt, out_dt, out)
    return out.view(out_shape, c_strides(out_shape), 0)


def mean(x, axis, keepdims: bool):
    """sum, then a fused division by the count (so a following elementwise op joins that kernel)."""
    b = realize(x)
    count = b.size if axis is None else math.prod(b.shape[a] for a in axis)
    s = reduce("sum", b, axis, keepdims)
    return lazy.node("divide", (s, Const(float(count), b.dtype)), b.dtype, b.rt)


def cumulative_sum(x, axis: int, include_initial: bool, dtype=None) -> DeviceBuffer:
    b = realize(x)
    rt = b.rt
    acc_dt = np.dtype(dtype.numpy) if dtype is not None else b.dtype
    kept = [i for i in range(b.ndim) if i != axis]
    kshape = tuple(b.shape[i] for i in kept)
    N = b.shape[axis]
    width = N + int(include_initial)
    moved = DeviceBuffer.empty(rt, kshape + (width,), acc_dt)
    M = math.prod(kshape)
    if M and width:
        kd, (ks,) = coalesce(kshape, [tuple(b.strides[i] for i in kept)])
        k = gen.scan(rt.dialect, b.dtype.str, acc_dt.str, len(kd), bool(include_initial))
        args = [moved.storage.buf, b.storage.buf, b.offset, *kd, *ks, b.strides[axis], M, N]
        rt.run_1d(k, M, args, SERIAL_LOCAL)
    return moved_back(moved, axis)


def moved_back(moved: DeviceBuffer, axis: int) -> DeviceBuffer:
    """View an array computed with ``axis`` moved last back in the original axis order."""
    nd = moved.ndim
    order = list(range(nd - 1))
    order.insert(axis, nd - 1)
    return moved.view(tuple(moved.shape[i] for i in order), tuple(moved.strides[i] for i in order), moved.offset)


def var(x, axis, keepdims: bool, correction=0.0, root: bool = False):
    """Two passes (mean, then squared deviations), the second fused into its reduction's input kernel."""
    b = realize(x)
    count = b.size if axis is None else math.prod(b.shape[a] for a in axis)
    mu = realize(mean(b, axis, True))
    d = lazy.node("subtract", (b, mu), b.dtype, b.rt)
    s = reduce("sum", lazy.node("multiply", (d, d), b.dtype, b.rt), axis, keepdims)
    out = lazy.node("divide", (s, Const(float(max(count - correction, 0)), b.dtype)), b.dtype, b.rt)
    return lazy.node("sqrt", (out,), b.dtype, b.rt) if root else out
