"""Creation kernels: constants (as fused nodes), arange and linspace (one ramp kernel), eye."""
from __future__ import annotations

import math

import numpy as np

from .. import fill
from . import lazy
from .buffer import DeviceBuffer


def full(rt, shape, fill_value, dtype):
    rt.check_alloc(math.prod(shape) * np.dtype(dtype).itemsize)  # the node is lazy: refuse before, not at realise
    return lazy.full(rt, tuple(shape), fill_value, dtype)


def _float(rt) -> np.dtype:
    return np.dtype(np.float64 if rt.fp64 else np.float32)


def _ramp(rt, n: int, dtype: np.dtype, compute: np.dtype, start, step, last=None) -> DeviceBuffer:
    out = DeviceBuffer.empty(rt, (n,), dtype)
    if n:
        kern = fill.ramp(rt.dialect, dtype.str, compute.str)
        args = [out.storage.buf, start, step, start if last is None else last, int(last is not None), n]
        rt.run_1d(kern, n, args)
    return out


def arange(rt, start, stop, step, dtype) -> DeviceBuffer:
    dt = np.dtype(dtype)
    if all(isinstance(v, int) for v in (start, stop, step)):
        n = max(0, -(-(stop - start) // step))
    else:
        n = max(0, math.ceil((stop - start) / step))
    if dt.kind in "iu":
        return _ramp(rt, n, dt, np.dtype(np.int64), int(start), int(step))
    return _ramp(rt, n, dt, _float(rt), float(start), float(step))


def linspace(rt, start, stop, num: int, endpoint: bool, dtype) -> DeviceBuffer:
    dt = np.dtype(dtype)
    div = (num - 1) if endpoint else num
    step = (stop - start) / div if div > 0 else 0.0
    return _ramp(rt, num, dt, _float(rt), float(start), float(step), float(stop) if endpoint and num > 1 else None)
