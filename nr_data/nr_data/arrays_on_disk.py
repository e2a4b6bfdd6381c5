"""Arrays stored on disk and read a block at a time, for data larger than memory: ``NpyArray`` (one ``.npy`` file)
and ``NpyDataset`` (rows of ``.npy`` files as samples).

An ``NpyArray`` slices like a NumPy array and returns NumPy copies of just the block asked for; it never maps or
loads the whole file, so reading block after block keeps the process's memory flat. It pickles as its path, so a
consumer in another process (a DataLoader worker, a Dask worker: ``nr_backend_dask.from_array(arr, chunks=...)``)
opens the file itself.
"""
from __future__ import annotations

import math
import os

import numpy as np

from .dataset import Dataset

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


class NpyArray:
    """A ``.npy`` file as a read-only array: ``shape``, ``dtype`` (NumPy), ``ndim``, ``len()``, and
    ``arr[key]`` giving a NumPy copy of that block only (``np.asarray(arr)`` reads it all)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            try:
                version = np.lib.format.read_magic(f)
            except ValueError as exc:
                raise ValueError(f"NpyArray: {self.path!r} is not a .npy file ({exc})") from None
            reader = _HEADER_READERS.get(version)
            if reader is None:
                raise ValueError(f"NpyArray: {self.path!r} has .npy format version {version}; supported: 1.0, 2.0")
            shape, fortran, dtype = reader(f)
            self.offset = f.tell()
        if dtype.hasobject:
            raise ValueError(f"NpyArray: {self.path!r} holds Python objects (dtype {dtype}), which cannot be read "
                             f"block by block")
        need = self.offset + math.prod(shape) * dtype.itemsize
        have = os.path.getsize(self.path)
        if have < need:
            raise ValueError(f"NpyArray: {self.path!r} is truncated: its header says {shape} {dtype}, "
                             f"{need:,} bytes, the file has {have:,}")
        self.shape, self.dtype, self.fortran_order = tuple(shape), dtype, bool(fortran)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d NpyArray")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"NpyArray({self.path!r}, shape={self.shape}, dtype={self.dtype})"

    def __getitem__(self, key) -> np.ndarray:
        parts = key if isinstance(key, tuple) else (key,)
        rows = self._row_range(parts[0]) if parts and self.ndim and not self.fortran_order else None
        if rows is None:  # anything but a run of whole rows: through a mapping that is closed right after
            mapped = np.memmap(self.path, self.dtype, "r", self.offset, self.shape,
                               order="F" if self.fortran_order else "C")
            try:
                return np.array(mapped[key], copy=True)
            finally:
                del mapped
        start, stop, squeeze = rows
        block = self._read_rows(start, stop)
        rest = (0,) if squeeze else (slice(None),)
        out = block[rest + parts[1:]]
        return out if out.base is None or out.size == block.size else np.array(out, copy=True)

    def _row_range(self, first):
        """(start, stop, is an int) for a first index that selects consecutive rows; None otherwise."""
        n = self.shape[0]
        if isinstance(first, (int, np.integer)) and not isinstance(first, bool):
            i = int(first) + n if first < 0 else int(first)
            if not 0 <= i < n:
                raise IndexError(f"NpyArray: index {int(first)} is out of bounds for axis 0 with size {n}")
            return i, i + 1, True
        if isinstance(first, slice):
            start, stop, step = first.indices(n)
            if step == 1:
                return start, max(start, stop), False
        return None

    def _read_rows(self, start: int, stop: int) -> np.ndarray:
        row = math.prod(self.shape[1:])
        count = (stop - start) * row
        with open(self.path, "rb") as f:
            f.seek(self.offset + start * row * self.dtype.itemsize)
            out = np.fromfile(f, dtype=self.dtype, count=count)
        if out.size != count:
            raise OSError(f"NpyArray: {self.path!r} ended before rows {start}:{stop} could be read")
        return out.reshape((stop - start,) + self.shape[1:])

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[...] if self.ndim else self._read_rows_0d()
        return out if dtype is None else out.astype(dtype, copy=False)

    def _read_rows_0d(self) -> np.ndarray:
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            return np.fromfile(f, dtype=self.dtype, count=1).reshape(())


class NpyDataset(Dataset):
    """Samples are the ``index``-th rows of ``.npy`` files that share their first dimension (features, targets …),
    read from disk per sample, or per batch in one read per run of consecutive rows (``__getitems__``), never
    loaded whole.

    ``arrays`` holds the files as ``NpyArray``s, for consumers that read larger blocks themselves (the dask device:
    ``nr_backend_dask.from_array(ds.arrays[0], chunks=(65536, -1))``).
    """

    def __init__(self, *paths: str | os.PathLike) -> None:
        if not paths:
            raise ValueError("NpyDataset: needs at least one .npy path")
        self.arrays = tuple(NpyArray(p) for p in paths)
        lengths = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            raise ValueError(f"NpyDataset: every file needs the same first dimension, got shapes "
                             f"{[a.shape for a in self.arrays]} for {[a.path for a in self.arrays]}")

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    @staticmethod
    def _sample(rows: list):
        import nr_core as nr
        return nr.asarray(rows[0]) if len(rows) == 1 else tuple(nr.asarray(r) for r in rows)

    def __getitem__(self, index):
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"NpyDataset: index must be an int, got {type(index).__name__}")
        return self._sample([a[int(index)] for a in self.arrays])

    def __getitems__(self, indices) -> list:
        idx = np.asarray(list(indices), dtype=np.int64).reshape(-1)
        n = len(self)
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise IndexError(f"NpyDataset: index {int(bad[0])} is out of range for {n} samples")
        idx = np.where(idx < 0, idx + n, idx)
        wanted = np.unique(idx)
        runs = np.split(wanted, np.flatnonzero(np.diff(wanted) != 1) + 1) if wanted.size else []
        per_file = []
        for a in self.arrays:
            rows = {}
            for run in runs:
                block = a[int(run[0]):int(run[-1]) + 1]
                rows.update(zip(run.tolist(), block))
            per_file.append(rows)
        return [self._sample([rows[i] for rows in per_file]) for i in idx.tolist()]
