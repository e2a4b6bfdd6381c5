"""Gather and scatter: advanced indexing, ``take``, ``index_add``, ``setitem``, ``searchsorted``.

Advanced (array) keys are resolved on the host into element offsets, through NumPy's own indexing of an
offset map, so every NumPy rule (broadcast index arrays, boolean masks, negative and out-of-bounds
indices) holds exactly; the data itself is gathered and scattered on the device.
"""
from __future__ import annotations

import math

import numpy as np

from .. import gather
from . import lazy
from .buffer import DeviceBuffer
from .lazy import Const, LazyArray, realize
from .shape import basic_index
from .transfer import to_host


def _is_array(k) -> bool:
    return type(k) is DeviceBuffer or type(k) is LazyArray


def _offset_map(b: DeviceBuffer) -> np.ndarray:
    """Host array of ``b``'s shape holding each element's offset into its storage."""
    lin = np.full(b.shape, b.offset, dtype=np.int64)
    for axis, (n, s) in enumerate(zip(b.shape, b.strides)):
        shape = [1] * b.ndim
        shape[axis] = n
        lin += (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return lin


def _offsets(b: DeviceBuffer, key, op: str) -> np.ndarray:
    parts = key if type(key) is tuple else (key,)
    host_key = tuple(to_host(k) if _is_array(k) else k for k in parts)
    try:
        return _offset_map(b)[host_key]
    except IndexError as exc:
        raise IndexError(f"{op}: {exc} (array of shape {b.shape})") from None


def getitem(x, key) -> DeviceBuffer:
    b = realize(x)
    parts = key if type(key) is tuple else (key,)
    if not any(_is_array(k) for k in parts):
        return basic_index(b, key)
    offs = _offsets(b, key, "__getitem__")
    out = DeviceBuffer.empty(b.rt, offs.shape, b.dtype)
    if offs.size:
        idx = b.rt.upload_index(offs)
        b.rt.run_1d(gather.gather(b.rt.dialect, b.dtype.str), offs.size,
                    [out.storage.buf, b.storage.buf, idx.buf, offs.size])
    return out


def _value_expr(rt, value, dt: np.dtype, shape: tuple, op: str):
    """``value`` (buffer, node or scalar) ready to broadcast into ``shape``; leading size-1 axes dropped."""
    if not _is_array(value):
        if dt.kind == "c":  # no complex kernel arguments: a 0-d device array broadcasts instead
            return DeviceBuffer.from_host(rt, np.array(value, dtype=dt))
        return Const(np.array(value).astype(dt).item() if dt.kind != "b" else bool(value), dt)
    v = value
    vs = v.shape
    while len(vs) > len(shape) and vs[0] == 1:
        vs = vs[1:]
    if len(vs) < len(v.shape):
        b = realize(v)
        v = b.view(vs, b.strides[len(b.shape) - len(vs):], b.offset)
    lead = len(shape) - len(vs)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(vs, shape[lead:])):
        raise ValueError(f"{op}: could not broadcast value of shape {tuple(value.shape)} into shape {shape}")
    return v


def _segments(offs: np.ndarray):
    """Group equal offsets: (permutation, unique offsets, segment starts) for deterministic scatters."""
    flat = offs.reshape(-1)
    perm = np.argsort(flat, kind="stable")
    sorted_offs = flat[perm]
    first = np.ones(sorted_offs.size, dtype=bool)
    first[1:] = sorted_offs[1:] != sorted_offs[:-1]
    starts = np.append(np.flatnonzero(first), sorted_offs.size)
    return perm, sorted_offs[first], starts


def _scatter(target: DeviceBuffer, offs: np.ndarray, value, add: bool, op: str) -> None:
    rt = target.rt
    v = DeviceBuffer.empty(rt, offs.shape, target.dtype)
    lazy.run_into(_value_expr(rt, value, target.dtype, offs.shape, op), v)
    if not offs.size:
        return
    lazy.flush_readers(target, set())
    perm, uniq, starts = _segments(offs)
    bufs = [rt.upload_index(a) for a in (perm, uniq, starts)]
    rt.run_1d(gather.scatter(rt.dialect, target.dtype.str, add), uniq.size,
            [target.storage.buf, v.storage.buf, *(s.buf for s in bufs), uniq.size])


def setitem(x, value, key) -> DeviceBuffer:
    """Write ``value`` into ``x[key]`` in place; returns the (realised) buffer the array now holds."""
    b = realize(x)
    parts = key if type(key) is tuple else (key,)
    if any(_is_array(k) for k in parts):
        _scatter(b, _offsets(b, key, "__setitem__"), value, add=False, op="__setitem__")
        return b
    target = basic_index(b, key)
    lazy.run_into(_value_expr(b.rt, value, b.dtype, target.shape, "__setitem__"), target)
    return b


def index_add(x, values, key) -> DeviceBuffer:
    """A copy of ``x`` with ``values`` added at ``key``, repeated indices accumulating (``np.add.at``)."""
    out = lazy.copy(x)
    _scatter(out, _offsets(out, key, "index_add"), values, add=True, op="index_add")
    return out


def take(x, indices, axis: int = 0) -> DeviceBuffer:
    b = lazy.contiguous(x)
    ind = lazy.contiguous(indices)
    rt = b.rt
    A = b.shape[axis]
    Q = math.prod(b.shape[axis + 1:])
    shape = b.shape[:axis] + ind.shape + b.shape[axis + 1:]
    out = DeviceBuffer.empty(rt, shape, b.dtype)
    n = math.prod(shape)
    if n:
        err = rt.upload(np.zeros(1, dtype=np.int32))
        kern = gather.take(rt.dialect, b.dtype.str, ind.dtype.str)
        rt.run_1d(kern, n, [out.storage.buf, b.storage.buf, ind.storage.buf, err.buf, b.offset, ind.offset,
                              ind.size, Q, A, n])
        flag = rt.download(err, 0, np.zeros(1, dtype=np.int32))
        if flag[0]:
            bad = to_host(ind)
            bad = bad[(bad < -A) | (bad >= A)]
            raise IndexError(f"take: index {int(bad.flat[0])} is out of bounds for axis {axis} with size {A}")
    return out


def searchsorted(x1, x2, side: str = "left", sorter=None) -> DeviceBuffer:
    s, q = lazy.contiguous(x1), lazy.contiguous(x2)
    out = DeviceBuffer.empty(s.rt, q.shape, np.int64)
    if q.size:
        kern = gather.searchsorted(s.rt.dialect, s.dtype.str, side == "right")
        s.rt.run_1d(kern, q.size, [out.storage.buf, s.storage.buf, q.storage.buf, s.offset, q.offset, s.size,
                                     q.size])
    return out
