"""nr arrays as the native buffers a communication backend moves, without a copy where the memory allows.

A CPU array's buffer is a NumPy array, a CUDA array's a CuPy array (nr_core's Tensor keeps it as its backend
buffer). When that buffer is contiguous and writable the backend works on it in place; otherwise (a strided
view, a 0-d NumPy scalar, an array on a device the backend does not serve) it works on a contiguous copy
that ``Staged.finish`` writes back through ``copy_``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import nr_core as nr
from nr_core.array_object import Tensor


def _in_place_ok(buf: Any) -> bool:
    if isinstance(buf, np.generic):  # a 0-d result kept as a NumPy scalar: immutable
        return False
    flags = getattr(buf, "flags", None)
    # CuPy arrays have no writeable flag: they are always writable
    return flags is not None and bool(flags.c_contiguous) and bool(getattr(flags, "writeable", True))


class Staged:
    """The buffer the backend works on for ``tensor``; ``finish()`` makes the result the array's content."""

    __slots__ = ("tensor", "buf", "mode")

    def __init__(self, tensor: Tensor, backend, what: str) -> None:
        self.tensor = tensor
        data = tensor._data
        if tensor.device.kind in backend.device_kinds:
            if _in_place_ok(data):
                self.buf, self.mode = data, "in place"
            elif isinstance(data, (np.ndarray, np.generic)):
                self.buf, self.mode = np.array(data, order="C"), "host copy"
            else:
                self.buf, self.mode = data.copy(order="C"), "device copy"
        elif backend.stages_through_host:
            self.buf, self.mode = np.array(tensor._backend.to_host(data), order="C"), "host copy"
        else:
            kinds = ", ".join(backend.device_kinds)
            raise ValueError(f"{what}: the {backend.name!r} backend moves arrays on {kinds} only; this array is on "
                             f"{tensor.device} (move it with .to_device() first, or use another backend)")

    def finish(self) -> None:
        t = self.tensor
        if self.mode == "in place":
            t._bump_version()  # written under the array's feet: saved-for-backward checks must see it
            return
        src = nr.from_dlpack(self.buf) if self.mode == "device copy" else nr.asarray(self.buf, device=t.device)
        with nr.no_grad():
            t.copy_(src)


def empty_stack(buf: Any, n: int) -> Any:
    """An uninitialised ``(n, *buf.shape)`` buffer of ``buf``'s array library (NumPy or CuPy) and dtype."""
    return buf.__array_namespace__().empty((n,) + tuple(buf.shape), dtype=buf.dtype)


def as_nr(buf: Any, device) -> Tensor:
    """An nr array over a native buffer: a view for a NumPy buffer on the CPU, DLPack for a device buffer."""
    if isinstance(buf, np.ndarray):
        return nr.asarray(buf, device=device)
    return nr.from_dlpack(buf)
