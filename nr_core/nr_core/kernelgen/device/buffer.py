"""The native array of the generated-kernel backends: a device allocation plus shape, strides and offset (in
elements)."""
from __future__ import annotations

import math

import numpy as np

from .runtime import Runtime, Storage


def c_strides(shape: tuple) -> tuple:
    """Element strides of a C-contiguous array of ``shape``."""
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


class Shaped:
    """``ndim`` and ``size`` from ``shape``, for the two kinds of native buffer (stored and lazy)."""

    __slots__ = ()

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


class DeviceBuffer(Shaped):
    """A strided view of a ``Storage``; views (slices, transposes, broadcasts) share the storage."""

    __slots__ = ("storage", "shape", "strides", "offset", "dtype", "rt")

    def __init__(self, storage: Storage, shape: tuple, strides: tuple, offset: int, dtype: np.dtype,
                 rt: Runtime) -> None:
        self.storage, self.shape, self.strides, self.offset = storage, shape, strides, offset
        self.dtype, self.rt = dtype, rt

    @classmethod
    def empty(cls, rt: Runtime, shape: tuple, dtype: np.dtype) -> "DeviceBuffer":
        dtype = np.dtype(dtype)
        return cls(rt.storage(math.prod(shape) * dtype.itemsize), shape, c_strides(shape), 0, dtype, rt)

    @classmethod
    def from_host(cls, rt: Runtime, array: np.ndarray) -> "DeviceBuffer":
        host = np.array(array, order="C", copy=None)  # ascontiguousarray would make 0-d arrays 1-d
        return cls(rt.upload(host), host.shape, c_strides(host.shape), 0, host.dtype, rt)

    @property
    def is_contiguous(self) -> bool:
        return all(st == c or n == 1 for st, c, n in zip(self.strides, c_strides(self.shape), self.shape))

    def view(self, shape: tuple, strides: tuple, offset: int) -> "DeviceBuffer":
        return DeviceBuffer(self.storage, tuple(shape), tuple(strides), offset, self.dtype, self.rt)

    def __repr__(self) -> str:
        return f"DeviceBuffer(shape={self.shape}, dtype={self.dtype}, strides={self.strides}, offset={self.offset})"


def reshape_strides(shape: tuple, strides: tuple, new_shape: tuple) -> tuple | None:
    """Strides that view ``shape``/``strides`` as ``new_shape`` without copying, or None (NumPy's rule)."""
    old = [(n, s) for n, s in zip(shape, strides) if n != 1]
    new = [n for n in new_shape if n != 1]
    if math.prod(shape) == 0 or not old:
        return c_strides(new_shape)
    out: list[int] = []
    i = j = 0
    while i < len(old) and j < len(new):
        # grow a group of old axes and a group of new axes until their sizes match
        oi, nj = i + 1, j + 1
        po, pn = old[i][0], new[j]
        while po != pn:
            if po < pn:
                po *= old[oi][0]
                oi += 1
            else:
                pn *= new[nj]
                nj += 1
        for k in range(i, oi - 1):  # the old group must be contiguous in itself
            if old[k][1] != old[k + 1][0] * old[k + 1][1]:
                return None
        st = old[oi - 1][1]
        group = []
        for k in range(nj - 1, j - 1, -1):
            group.append(st)
            st *= new[k]
        out.extend(reversed(group))
        i, j = oi, nj
    it = iter(out)
    return tuple(next(it) if n != 1 else 0 for n in new_shape)


def broadcast_strides(buf: DeviceBuffer, shape: tuple) -> tuple:
    """``buf``'s strides aligned to the right of ``shape``, 0 where it broadcasts."""
    lead = len(shape) - buf.ndim
    return (0,) * lead + tuple(0 if n == 1 and m != 1 else st
                               for n, m, st in zip(buf.shape, shape[lead:], buf.strides))


def coalesce(shape: tuple, strides_list: list) -> tuple[tuple, list]:
    """Merge adjacent axes that every operand walks contiguously (so most kernels index one flat axis)."""
    dims = [n for n in shape if n != 1]
    keep = [i for i, n in enumerate(shape) if n != 1]
    sts = [[s[i] for i in keep] for s in strides_list]
    if not dims:
        return (), [() for _ in strides_list]
    out_dims, out_sts = [dims[-1]], [[s[-1]] for s in sts]
    for k in range(len(dims) - 2, -1, -1):
        if all(s[k] == o[0] * out_dims[0] for s, o in zip(sts, out_sts)):
            out_dims[0] *= dims[k]
        else:
            out_dims.insert(0, dims[k])
            for s, o in zip(sts, out_sts):
                o.insert(0, s[k])
    return tuple(out_dims), [tuple(o) for o in out_sts]
