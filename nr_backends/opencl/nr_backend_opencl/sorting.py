"""sort and argsort along one axis: a bitonic network over padded rows, stable through an index tie-break."""
from __future__ import annotations

import math

import numpy as np

from . import codegen, lazy
from .buffer import CLBuffer
from .lazy import realize
from .reductions import moved_back
from .runtime import round_up

LOCAL = 128


def _rows(x, axis: int) -> CLBuffer:
    """A contiguous copy of ``x`` with ``axis`` moved last: (..., N) rows."""
    b = realize(x)
    order = [i for i in range(b.ndim) if i != axis] + [axis]
    view = b.view(tuple(b.shape[i] for i in order), tuple(b.strides[i] for i in order), b.offset)
    return lazy.contiguous(view)


def _launch(rt, kern, n: int, args: list) -> None:
    rt.launch(rt.kernel(kern.source, kern.name, kern.arg_dtypes), (round_up(n, LOCAL),), (LOCAL,), args)


def sort_rows(x, axis: int, descending: bool, values: bool) -> CLBuffer:
    rows = _rows(x, axis)
    rt, N = rows.rt, rows.shape[-1]
    M = math.prod(rows.shape[:-1])
    out = CLBuffer.empty(rt, rows.shape, rows.dtype if values else np.int64)
    if M and N:
        P = 1 << max(N - 1, 0).bit_length()
        keys = CLBuffer.empty(rt, (M * P,), rows.dtype)
        idx = CLBuffer.empty(rt, (M * P,), np.int64)
        k_init, k_step = codegen.sort(rows.dtype.str, bool(descending))
        _launch(rt, k_init, M * P, [keys.storage.buf, idx.storage.buf, rows.storage.buf, rows.offset, N, P, M * P])
        step = rt.kernel(k_step.source, k_step.name, k_step.arg_dtypes)
        half = M * P // 2
        k = 2
        while k <= P:
            j = k // 2
            while j >= 1:
                rt.launch(step, (round_up(half, LOCAL),), (LOCAL,),
                          [keys.storage.buf, idx.storage.buf, N, P, k, j, half])
                j //= 2
            k *= 2
        src = keys if values else idx
        _launch(rt, codegen.sort_out(rows.dtype.str, values), M * N,
                [out.storage.buf, src.storage.buf, N, P, M * N])
    return moved_back(out, axis)


def sort(x, axis: int = -1, descending: bool = False, stable: bool = True) -> CLBuffer:
    return sort_rows(x, axis % len(x.shape), descending, values=True)


def argsort(x, axis: int = -1, descending: bool = False, stable: bool = True) -> CLBuffer:
    return sort_rows(x, axis % len(x.shape), descending, values=False)
