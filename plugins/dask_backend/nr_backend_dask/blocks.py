"""Lazy building blocks for the kernels that dask.array lacks or gets wrong: the NumPy base's own kernels,
applied chunk by chunk (elementwise), along one axis held in one chunk (sort), or to a whole array in one task
(scatter-adds, fancy indexing)."""
from __future__ import annotations

import numpy as np

_NUMPY_BASE: list = []


def numpy_base():
    """The ndarray base over NumPy: the reference kernels that chunks are handed to."""
    if not _NUMPY_BASE:
        from nr_core.ndarray_backend import NdarrayBackend
        _NUMPY_BASE.append(NdarrayBackend(np))
    return _NUMPY_BASE[0]


def chunkwise(name: str):
    """An elementwise kernel that runs the NumPy base's kernel ``name`` on each chunk (broadcasting like a ufunc)."""
    from dask.array.core import elemwise

    def kernel(*args):
        return elemwise(numpy_base().kernels[name], *args)
    kernel.__name__ = name
    return kernel


def one_chunk_along(x, axis: int):
    """``x`` with ``axis`` in a single chunk (the other axes keep theirs)."""
    axis %= x.ndim
    if x.numblocks[axis] <= 1:
        return x
    return x.rechunk({axis: -1})


def along_axis(fn, x, axis: int, dtype, **params):
    """``fn(block, axis=axis, **params)`` on blocks that hold the whole of ``axis`` (same shape out)."""
    import dask.array as da
    x = one_chunk_along(x, axis)
    return da.map_blocks(fn, x, axis=axis, dtype=dtype, meta=np.empty((0,) * x.ndim, dtype), **params)


def whole(fn, shape: tuple, dtype, *args, **params):
    """``fn(*args, **params)`` as one task on whole arrays (dask arrays among ``args``, also inside tuples, arrive
    computed), as a one-chunk dask array of the given shape and dtype."""
    import dask
    import dask.array as da
    task = dask.delayed(fn, pure=True)(*args, **params)
    return da.from_delayed(task, shape=tuple(shape), dtype=dtype, meta=np.empty((0,) * len(shape), dtype))
