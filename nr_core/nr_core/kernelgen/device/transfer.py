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


def from_host(rt, array) -> DeviceBuffer:
    return DeviceBuffer.from_host(rt, array)
