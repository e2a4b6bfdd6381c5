"""Kernels of the dask device where ``dask.array`` departs from NumPy (the ndarray base's reference) or lacks a
function: each stays lazy. Where Dask has no sensible lazy form (factorisations), the kernel is left out and the
op's decomposition runs instead (``DROPPED``)."""
from __future__ import annotations

import operator

import numpy as np

from .blocks import along_axis, numpy_base, one_chunk_along, whole

# elementwise ops whose dask function misses the standard's special cases or has no chunkwise form: the NumPy
# base's kernel runs per chunk
CHUNKWISE = ("floor_divide", "expm1", "tanh", "sigmoid")
# ops without a lazy dask kernel here: the op table's decomposition runs (through the host for factorisations)
DROPPED = ("cholesky", "det", "slogdet", "eigh", "eigvalsh", "inv", "qr", "solve", "svd", "svdvals", "pinv",
           "matrix_rank", "matrix_power", "matrix_norm", "cross", "take_along_axis", "repeat")


class DaskKernels:
    """Mixin of ``DaskBackend``: ``k_<op>`` overrides of the ndarray base for ``xp = dask.array``."""

    # -- reductions ------------------------------------------------------------------------------
    def k_count_nonzero(self, x, axis=None, keepdims=False):
        da = self.xp
        out = da.count_nonzero(x, axis=axis)  # dask's has no keepdims
        if keepdims:
            axes = range(x.ndim) if axis is None else axis
            out = da.reshape(out, tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
        return out.astype(np.int64)

    # -- shape -----------------------------------------------------------------------------------
    def k_reshape(self, x, shape, copy=None):
        # dask arrays are immutable graphs: a reshape never shares memory, so copy=False cannot fail
        return self.xp.reshape(x, shape)

    def k_astype(self, x, dtype, copy=True):
        return x.astype(dtype.numpy)

    # -- indexing --------------------------------------------------------------------------------
    def k_getitem(self, x, key):
        key = _plain(key)
        try:
            return x[key]
        except NotImplementedError:  # several index arrays at once ("nd fancy indexing")
            shape = _result_shape(x.shape, key)
            return whole(_np_getitem, shape, x.dtype, x, key)

    def k_setitem(self, x, value, key):
        # never in place: other arrays may hold the same graph object; the frontend adopts the returned one
        key = _plain(key)
        parts = key if type(key) is tuple else (key,)
        if len(parts) == 1 and _is_lazy(parts[0]) and parts[0].dtype == bool and np.ndim(value) == 0:
            mask = parts[0]  # x[mask] = scalar: a select, chunk by chunk
            mask = mask.reshape(mask.shape + (1,) * (x.ndim - mask.ndim))
            return self.xp.where(mask, value, x).astype(x.dtype)
        out = x.copy()
        try:
            out[key] = value
        except (NotImplementedError, IndexError):
            if not any(_is_lazy(k) for k in parts):
                raise
            # index arrays Dask cannot write through: one task on the whole array
            return whole(_np_setitem, x.shape, x.dtype, x, value, key)
        return out

    def k_index_add(self, x, values, key):
        return whole(_np_index_add, x.shape, x.dtype, x, values, key)

    def k_take(self, x, indices, axis=None):
        if axis is None:
            return self.xp.take(x.reshape(-1), indices)
        return self.xp.take(x, indices, axis=axis)

    # -- reductions: Dask's max/min fail on an empty array even when the reduced axes are not empty ----------
    def k_max(self, x, axis=None, keepdims=False):
        return self._extremum(super().k_max, np.max, x, axis, keepdims)

    def k_min(self, x, axis=None, keepdims=False):
        return self._extremum(super().k_min, np.min, x, axis, keepdims)

    def _extremum(self, lazy, host, x, axis, keepdims):
        if x.size != 0:
            return lazy(x, axis=axis, keepdims=keepdims)
        # an empty result (or NumPy's error for an empty reduced axis), known from the shape alone
        return self.xp.from_array(host(np.zeros(x.shape, x.dtype), axis=axis, keepdims=keepdims))

    # -- sorting ---------------------------------------------------------------------------------
    def k_sort(self, x, axis=-1, descending=False, stable=True):
        return along_axis(numpy_base().k_sort, x, axis, x.dtype, descending=descending, stable=stable)

    def k_argsort(self, x, axis=-1, descending=False, stable=True):
        return along_axis(numpy_base().k_argsort, x, axis, np.int64, descending=descending, stable=stable)

    # -- creation --------------------------------------------------------------------------------
    def k_empty(self, shape, dtype, device):
        # a chunk of zeros costs what an uninitialised one does, and a lazily recomputed "empty" array could give
        # different garbage each time it is computed
        return self.xp.zeros(shape, dtype=dtype.numpy)

    def k_eye(self, n_rows, n_cols, k, dtype, device):
        # da.eye loses chunks of non-square results; the comparison of two index ranges is lazy and chunked
        da = self.xp
        return (da.arange(n_rows)[:, None] + k == da.arange(n_cols)[None, :]).astype(dtype.numpy)

    # -- fft: dask transforms an axis only when it is one chunk ----------------------------------
    def _fft1(self, fn, x, n, axis, norm, dtype):
        return super()._fft1(fn, one_chunk_along(x, axis), n, axis, norm, dtype)

    def _fftn(self, fn, x, s, axes, norm, dtype):
        for a in range(x.ndim) if axes is None else axes:
            x = one_chunk_along(x, a)
        return super()._fftn(fn, x, s, axes, norm, dtype)


def _plain(key):
    """``key`` with slice bounds as Python ints: NumPy takes anything with ``__index__`` (an nr 0-d array), Dask
    only ints."""
    def bound(b):
        return b if b is None or type(b) is int else operator.index(b)

    def part(k):
        return slice(bound(k.start), bound(k.stop), bound(k.step)) if type(k) is slice else k
    return tuple(part(k) for k in key) if type(key) is tuple else part(key)


def _is_lazy(k) -> bool:
    return hasattr(k, "dask")


def _result_shape(shape, key) -> tuple:
    """The shape of ``x[key]`` from shapes alone: the key applied to a broadcast bool scalar (no data of x's size)."""
    probe = np.broadcast_to(np.False_, shape)
    parts = key if isinstance(key, tuple) else (key,)
    fake = tuple(np.zeros(k.shape, np.intp) if _is_lazy(k) else k for k in parts)
    return probe[fake].shape


def _np_getitem(x, key):
    return np.asarray(x[key])


def _np_setitem(x, value, key):
    out = np.array(x, copy=True)
    out[key] = value
    return out


def _np_index_add(x, values, key):
    out = np.array(x, copy=True)
    np.add.at(out, key, values)
    return out
