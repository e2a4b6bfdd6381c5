"""sort and argsort along one axis: a bitonic network over padded rows, stable through an index tie-break."""
from __future__ import annotations

import math

import numpy as np

from .. import sort as gen
from . import lazy
from .buffer import DeviceBuffer
from .lazy import realize
from .reductions import moved_back


def _rows(x, axis: int) -> DeviceBuffer:
    """A contiguous copy of ``x`` with ``axis`` moved last: (..., N) rows."""
    b = realize(x)
    order = [i for i in range(b.ndim) if i != axis] + [axis]
    view = b.view(tuple(b.shape[i] for i in order), tuple(b.strides[i] for i in order), b.offset)
    return lazy.contiguous(view)


def sort_rows(x, axis: int, descending: bool, values: bool) -> DeviceBuffer:
    rows = _rows(x, axis)
    rt, N = rows.rt, rows.shape[-1]
    M = math.prod(rows.shape[:-1])
    out = DeviceBuffer.empty(rt, rows.shape, rows.dtype if values else np.int64)
    if M and N:
        P = 1 << max(N - 1, 0).bit_length()
        keys = DeviceBuffer.empty(rt, (M * P,), rows.dtype)
        idx = DeviceBuffer.empty(rt, (M * P,), np.int64)
        k_init, k_step = gen.sort(rt.dialect, rows.dtype.str, bool(descending))
        rt.run_1d(k_init, M * P, [keys.storage.buf, idx.storage.buf, rows.storage.buf, rows.offset, N, P, M * P])
        half = M * P // 2
        k = 2
        while k <= P:
            j = k // 2
            while j >= 1:
                rt.run_1d(k_step, half, [keys.storage.buf, idx.storage.buf, N, P, k, j, half])
                j //= 2
            k *= 2
        src = keys if values else idx
        rt.run_1d(gen.sort_out(rt.dialect, rows.dtype.str, values), M * N,
                [out.storage.buf, src.storage.buf, N, P, M * N])
    return moved_back(out, axis)


def sort(x, axis: int = -1, descending: bool = False, stable: bool = True) -> DeviceBuffer:
    return sort_rows(x, axis % len(x.shape), descending, values=True)


def argsort(x, axis: int = -1, descending: bool = False, stable: bool = True) -> DeviceBuffer:
    return sort_rows(x, axis % len(x.shape), descending, values=False)
