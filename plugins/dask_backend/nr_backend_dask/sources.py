"""Arrays on the dask device read lazily from anything that slices like an array: a file-backed
``nr_data.NpyArray``, a NumPy memmap, a Zarr or HDF5 dataset. Dask reads one chunk per task, so the data can be far
larger than memory."""
from __future__ import annotations

import numpy as np

from . import budget


def from_array(source, chunks="auto", *, device=None):
    """An nr array on the dask device over ``source`` (``.shape``, ``.dtype`` and ``source[tuple of slices]`` giving
    a NumPy block), read chunk by chunk when computed, never loaded whole.

    ``chunks`` is anything ``dask.array.from_array`` takes: ``"auto"``, an int, a tuple per axis (-1: the whole axis).
    With a ``dask.distributed`` cluster the source is pickled to the workers: file-backed sources that pickle as a
    path (``nr_data.NpyArray``, Zarr) work, an in-memory array travels whole.
    """
    import nr_core as nr
    from nr_core import dtypes as _d
    from nr_core.dispatch import wrap
    from nr_core.plugins import REGISTRY

    from .backend import DaskBackend

    dev, backend = REGISTRY.resolve("dask" if device is None else device)
    if not isinstance(backend, DaskBackend):
        raise ValueError(f"from_array: device {dev} is not a dask device")
    if isinstance(source, nr.Tensor):
        raise TypeError("from_array: the source is already an nr array; use x.to_device('dask', chunks=...)")
    if not all(hasattr(source, a) for a in ("shape", "dtype", "__getitem__")):
        raise TypeError(f"from_array: expected an array-like with shape, dtype and slicing (a NumPy memmap, "
                        f"nr_data.NpyArray, Zarr array), got {type(source).__name__}")
    np_dtype = np.dtype(source.dtype)
    try:
        dtype = _d.from_numpy_dtype(np_dtype)
    except (KeyError, TypeError, ValueError):
        raise TypeError(f"from_array: dtype {np_dtype} has no nr dtype") from None
    meta = np.empty((0,) * len(source.shape), np_dtype)
    arr = backend.xp.from_array(source, chunks=chunks, name=False, lock=False, asarray=True, fancy=False, meta=meta)
    budget.check("from_array", arr)
    return wrap(arr, backend, dev, dtype)
