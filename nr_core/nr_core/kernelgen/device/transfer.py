"""Host <-> device copies (PyOpenCL and Metal export no DLPack, so DLPack exchange goes through these copies)."""
from __future__ import annotations

import numpy as np

from . import lazy
from .buffer import DeviceBuffer


def to_host(x) -> np.ndarray:
    """A fresh NumPy array with the contents of ``x`` (runs any pending fused expression first)."""
    b = lazy.contiguous(x)
    out = np.empty(b.shape, dtype=b.dtype)
    return b.rt.download(b.storage, b.offset * b.dtype.itemsize, out)


def from_host(rt, array):
    """A device copy of ``array``; a real 0-d array becomes a constant node instead (a kernel argument when it is
    used): no upload, so no wait for the queue, for the scalars autograd's rules and ``where`` create."""
    if getattr(array, "ndim", None) == 0 and array.dtype.kind in "biuf":
        return lazy.full(rt, (), array.item(), array.dtype)
    return DeviceBuffer.from_host(rt, array)
