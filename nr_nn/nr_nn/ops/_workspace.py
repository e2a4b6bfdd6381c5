"""Scratch buffers that the NumPy kernels reuse from one call to the next (im2col columns, padded inputs).

A kernel asks for a named slot of a given shape and gets a view of a flat buffer kept per thread and slot, grown
when a larger one is asked for, never shrunk: a training step asks for the same shapes every time, so after the
first step no large temporary is allocated (and page-faulted) again. What a kernel returns never aliases a slot,
and a slot is used by one kernel call at a time (the kernels do not call each other while holding one), so reuse is
safe; threads have their own slots. Only NumPy's are reused: CuPy has its own pool and runs kernels
asynchronously.
"""
from __future__ import annotations

import math
import threading

import numpy as np

_LOCAL = threading.local()


def scratch(xp, slot: str, shape: tuple, dtype) -> "np.ndarray":
    """An uninitialised array of ``shape`` and ``dtype`` backed by this thread's buffer ``slot``."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if xp is not np:
        return xp.empty(shape, dtype=dtype)
    pool = getattr(_LOCAL, "pool", None)
    if pool is None:
        pool = _LOCAL.pool = {}
    buf = pool.get(slot)
    if buf is None or buf.nbytes < nbytes:
        # one byte buffer, aligned for any dtype (NumPy's allocations are 16-byte aligned at least)
        buf = pool[slot] = np.empty(max(nbytes, 1), dtype=np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def release() -> None:
    """Drop this thread's buffers (they are rebuilt on the next call)."""
    _LOCAL.pool = {}


def held_bytes() -> int:
    """Bytes this thread's buffers hold now."""
    return sum(b.nbytes for b in getattr(_LOCAL, "pool", {}).values())
