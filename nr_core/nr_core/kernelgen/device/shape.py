"""Shape kernels: views (reshape, permute, broadcast, flip, basic indexing) cost no launch; concat and the
triangles copy."""
from __future__ import annotations

import math

from .. import fill
from . import lazy
from .buffer import DeviceBuffer, broadcast_strides, c_strides, reshape_strides
from .lazy import realize


def reshape(x, shape, copy=None) -> DeviceBuffer:
    b = realize(x)
    shape = tuple(shape)
    if copy:
        b = lazy.copy(b)
    strides = reshape_strides(b.shape, b.strides, shape)
    if strides is None:
        if copy is False:
            raise ValueError(f"reshape: cannot reshape {b.shape} to {shape} without copying (copy=False)")
        b = lazy.copy(b)
        strides = c_strides(shape)
    return b.view(shape, strides, b.offset)


def permute_dims(x, axes) -> DeviceBuffer:
    b = realize(x)
    return b.view(tuple(b.shape[a] for a in axes), tuple(b.strides[a] for a in axes), b.offset)


def broadcast_to(x, shape) -> DeviceBuffer:
    b = realize(x)
    shape = tuple(shape)
    return b.view(shape, broadcast_strides(b, shape), b.offset)


def flip(x, axis=None) -> DeviceBuffer:
    b = realize(x)
    axes = range(b.ndim) if axis is None else axis
    strides, off = list(b.strides), b.offset
    for a in axes:
        if b.shape[a] > 1:
            off += (b.shape[a] - 1) * strides[a]
            strides[a] = -strides[a]
    return b.view(b.shape, tuple(strides), off)


def basic_index(b: DeviceBuffer, key) -> DeviceBuffer:
    """The view ``b[key]`` for a key of ints, slices, None and one Ellipsis (bounds checked by the frontend)."""
    parts = key if type(key) is tuple else (key,)
    n_used = sum(1 for k in parts if k is not None and k is not Ellipsis)
    shape, strides, off, dim = [], [], b.offset, 0
    for k in parts:
        if k is Ellipsis:
            for _ in range(b.ndim - n_used):
                shape.append(b.shape[dim])
                strides.append(b.strides[dim])
                dim += 1
        elif k is None:
            shape.append(1)
            strides.append(0)
        elif type(k) is slice:
            start, stop, step = k.indices(b.shape[dim])
            n = len(range(start, stop, step))
            if n:
                off += start * b.strides[dim]
            shape.append(n)
            strides.append(b.strides[dim] * step)
            dim += 1
        else:
            i = int(k)
            off += (i + b.shape[dim] if i < 0 else i) * b.strides[dim]
            dim += 1
    shape.extend(b.shape[dim:])
    strides.extend(b.strides[dim:])
    return b.view(tuple(shape), tuple(strides), off)


def concat(*xs, axis: int = 0) -> DeviceBuffer:
    bufs = [realize(x) for x in xs]
    ref = bufs[0]
    total = sum(b.shape[axis] for b in bufs)
    shape = ref.shape[:axis] + (total,) + ref.shape[axis + 1:]
    out = DeviceBuffer.empty(ref.rt, shape, ref.dtype)
    at = 0
    for b in bufs:
        n = b.shape[axis]
        if n:
            lazy.run_into(b, basic_index(out, (slice(None),) * axis + (slice(at, at + n),)))
        at += n
    return out


def triangle(x, k: int, mode: str) -> DeviceBuffer:
    """tril / triu of the last two axes."""
    b = lazy.contiguous(x)
    out = DeviceBuffer.empty(b.rt, b.shape, b.dtype)
    n = b.size
    if n:
        kern = fill.tri(b.rt.dialect, b.dtype.str, mode)
        args = [out.storage.buf, b.storage.buf, b.offset, b.shape[-2], b.shape[-1], k, n]
        b.rt.run_1d(kern, n, args)
    return out


def eye(rt, n_rows: int, n_cols: int, k: int, dtype) -> DeviceBuffer:
    out = DeviceBuffer.empty(rt, (n_rows, n_cols), dtype)
    k = max(-n_rows - 1, min(k, n_cols + 1))  # same diagonal (or none), and fits the kernel's long argument
    n = math.prod(out.shape)
    if n:
        kern = fill.tri(rt.dialect, out.dtype.str, "eye")
        rt.run_1d(kern, n, [out.storage.buf, n_rows, n_cols, k, n])
    return out
