"""Indexing: ``x[key]``, ``x[key] = v``, the standard's ``take``/``take_along_axis``, and PyTorch's
``index_select``, ``gather``, ``scatter``, ``scatter_add`` and ``masked_fill`` built on them."""
from __future__ import annotations

import contextlib

import numpy as np

from .. import dispatch
from ..dispatch import apply
from ..errors import device_mismatch
from ..grad_engine import grad_engine
from ..grad_mode import state as _grad
from ..ops.indexing import GETITEM as _GETITEM
from ..ops.indexing import INDEX_ADD as _INDEX_ADD
from ..ops.indexing import SETITEM as _SETITEM
from ..ops.indexing import TAKE as _TAKE
from ..ops.indexing import TAKE_ALONG_AXIS as _TAKE_ALONG
from ..shapes import normalize_axis
from ..array_object import Tensor
from .creation import arange, asarray
from .data_types import astype
from .manipulation import broadcast_to, reshape
from .searching import where

__all__ = ["gather", "index_select", "masked_fill", "scatter", "scatter_add", "take", "take_along_axis"]

_BASIC = (int, slice, type(None), type(Ellipsis))


def _native_key(x: Tensor, key, op: str):
    """(nr-level key, kernel key): arrays in the key become native buffers; ints are bounds-checked."""
    parts = key if type(key) is tuple else (key,)
    if all(type(k) in _BASIC for k in parts):
        _check_basic(x.shape, parts, op)
        return key, key
    nr_parts, native = [], []
    for k in parts:
        if isinstance(k, range):  # x[range(n), y], as PyTorch allows
            k = np.arange(k.start, k.stop, k.step, dtype=np.int64)
        if isinstance(k, (list, np.ndarray)):
            k = asarray(k, device=x._device)
            if k._dtype.kind == "float":
                raise IndexError(f"{op}: index arrays must be integer or boolean, got float values")
        if isinstance(k, Tensor):
            if k._device is not x._device:
                raise device_mismatch(op, x, k)
            kind = k._dtype.kind
            if kind == "bool":
                # reading x[mask] has a shape that depends on the mask's values; writing x[mask] = v does not
                if op == "__getitem__" and not x._backend.capabilities.data_dependent_shapes:
                    raise TypeError(f"{op}: boolean-mask indexing needs data-dependent shapes, which device "
                                    f"{x._device} does not support")
            elif kind not in ("int", "uint"):
                raise IndexError(f"{op}: index arrays must be integer or boolean, got dtype {k._dtype.name}")
            nr_parts.append(k)
            native.append(k._data)
        elif type(k) in _BASIC or isinstance(k, (int, np.integer)):
            nr_parts.append(int(k) if isinstance(k, np.integer) else k)
            native.append(nr_parts[-1])
        else:
            raise IndexError(f"{op}: unsupported index of type {type(k).__name__}")
    return tuple(nr_parts), tuple(native)


def _check_basic(shape, parts, op):
    n_ell = sum(1 for k in parts if k is Ellipsis)
    if n_ell > 1:
        raise IndexError(f"{op}: an index can have only one ellipsis")
    n_consuming = sum(1 for k in parts if k is not None and k is not Ellipsis)
    if n_consuming > len(shape):
        raise IndexError(f"{op}: too many indices ({n_consuming}) for an array of shape {shape}")
    dim = 0
    for k in parts:
        if k is Ellipsis:
            dim += len(shape) - n_consuming
        elif k is None:
            continue
        else:
            if type(k) is int and not -shape[dim] <= k < shape[dim]:
                raise IndexError(f"{op}: index {k} is out of bounds for axis {dim} with size {shape[dim]}")
            dim += 1


def getitem(x: Tensor, key) -> Tensor:
    t = type(key)
    if (t is int or t is slice) and not x._requires_grad and dispatch._intercept is None:  # x[i], x[a:b]
        shape = x._data.shape
        if t is int and not (shape and -shape[0] <= key < shape[0]):
            _check_basic(shape, (key,), "__getitem__")
        be = x._backend
        # (i, ...) makes NumPy-like modules return a 0-d view, not a detached scalar, for 1-D x
        out = dispatch.wrap(be.kernels["getitem"](x._data, key if t is slice else (key, Ellipsis)), be,
                            x._device, x._dtype)
        if x._version is None:
            x._version = [0]
        out._version = x._version
        return out
    key, native = _native_key(x, key, "__getitem__")
    be = x._backend
    if native is key and not x._requires_grad and dispatch._intercept is None and "getitem" in be.kernels:
        # a trailing Ellipsis makes NumPy return a 0-d view rather than a detached scalar for x[i, j]
        if type(key) is not tuple:
            key = key if key is Ellipsis else (key, Ellipsis)
        elif Ellipsis not in key:
            key = key + (Ellipsis,)
        out = dispatch.wrap(be.kernels["getitem"](x._data, key), be, x._device, x._dtype)
        if x._version is None:
            x._version = [0]
        out._version = x._version
        return out
    return apply(_GETITEM, (x,), {"key": key}, x._dtype, {"key": native})


def setitem(x: Tensor, key, value) -> None:
    key, native = _native_key(x, key, "__setitem__")
    if isinstance(value, Tensor):
        if value._device is not x._device:
            raise device_mismatch("__setitem__", x, value)
        if value._dtype is not x._dtype:
            value = astype(value, x._dtype)
        native_value = value._data
    elif isinstance(value, (bool, int, float, complex)):
        native_value = value
    else:
        raise TypeError(f"__setitem__: value must be an nr array or a Python scalar, got {type(value).__name__}")
    recording = _grad.enabled and (x._requires_grad or isinstance(value, Tensor) and value._requires_grad)
    if recording or dispatch._intercept is not None:
        if recording:
            grad_engine("__setitem__").check_inplace(x, value)
        if not isinstance(value, Tensor):
            value = asarray(value, dtype=x._dtype, device=x._device)
        out = apply(_SETITEM, (x, value), {"key": key}, x._dtype, {"key": native})
        x._data = out._data
        if recording:  # the array now comes out of the write's node, as in PyTorch
            x._grad_fn, x._requires_grad = out._grad_fn, out._requires_grad
    else:
        try:
            x._data = x._backend.kernels["setitem"](x._data, native_value, key=native)
        except ValueError as exc:
            if "read-only" not in str(exc):
                raise
            raise ValueError(f"__setitem__: the array of shape {x.shape} is a read-only view (a broadcast_to or "
                             "broadcast_arrays result shares one element among many positions); write into a "
                             "copy, nr.asarray(x, copy=True)") from None
    x._bump_version()


def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None) -> Tensor:
    if not isinstance(x, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("take: x and indices must be nr arrays")
    if indices._device is not x._device:
        raise device_mismatch("take", x, indices)
    if indices._dtype.kind not in ("int", "uint"):
        raise TypeError(f"take: indices must have an integer dtype, got {indices._dtype.name}")
    given = axis
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"take: axis is required for arrays of more than one dimension, got shape {x.shape}")
        axis = 0
    axis = normalize_axis(axis, x.ndim, "take")
    with _index_errors("take", given, x.shape, axis):
        return apply(_TAKE, (x, indices), {"axis": axis}, x._dtype)


@contextlib.contextmanager
def _index_errors(op: str, given, shape, axis: int):
    """A kernel's out-of-range IndexError, restated with the op, the axis as the caller gave it, and its size."""
    try:
        yield
    except IndexError as exc:
        raise IndexError(f"{op}: an index is out of range for axis {given} (size {shape[axis]}) of an array of "
                         f"shape {shape} ({exc})") from None


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1) -> Tensor:
    if not isinstance(x, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("take_along_axis: x and indices must be nr arrays")
    if indices._device is not x._device:
        raise device_mismatch("take_along_axis", x, indices)
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: x {x.shape} and indices {indices.shape} must have the same ndim")
    given, axis = axis, normalize_axis(axis, x.ndim, "take_along_axis")
    with _index_errors("take_along_axis", given, x.shape, axis):
        return apply(_TAKE_ALONG, (x, indices), {"axis": axis}, x._dtype)


# ---- PyTorch's gathers and scatters -------------------------------------------------------------
def index_select(x, /, dim: int, index) -> Tensor:
    """The entries of ``x`` at the 1-D integer ``index`` along ``dim`` (PyTorch's name for ``take``)."""
    if isinstance(index, Tensor) and index.ndim > 1:
        raise IndexError(f"index_select: index must be 0-D or 1-D, got shape {index.shape}")
    return take(x, index, axis=dim)


def _index_arrays(x: Tensor, dim: int, index, op: str):
    """(axis, key): ``index`` along ``axis`` and each other axis's coordinates, for ``x[key]``-style scatters."""
    if not isinstance(x, Tensor) or not isinstance(index, Tensor):
        raise TypeError(f"{op}: input and index must be nr arrays")
    if index._dtype.kind not in ("int", "uint"):
        raise TypeError(f"{op}: index must have an integer dtype, got {index._dtype.name}")
    if index._device is not x._device:
        raise device_mismatch(op, x, index)
    axis = normalize_axis(dim, max(x.ndim, 1), op)
    if index.ndim != x.ndim or any(i > n for d, (i, n) in enumerate(zip(index.shape, x.shape)) if d != axis):
        raise ValueError(f"{op}: index of shape {index.shape} must have the input's {x.ndim} dims and fit its shape "
                         f"{x.shape} off dim {dim}")
    key = []
    for d, n in enumerate(index.shape):
        if d == axis:
            key.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            key.append(reshape(arange(n, device=x._device), tuple(shape)))
    return axis, tuple(key)


def gather(x, /, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = x[i][index[i][j]]`` along ``dim`` (PyTorch's ``gather``; index may be smaller off ``dim``)."""
    axis, _ = _index_arrays(x, dim, index, "gather")
    if any(i != n for d, (i, n) in enumerate(zip(index.shape, x.shape)) if d != axis):
        x = x[tuple(slice(None) if d == axis else slice(0, i) for d, i in enumerate(index.shape))]
    return take_along_axis(x, index, axis=axis)


def _source(src, index: Tensor, x: Tensor, op: str) -> Tensor:
    if isinstance(src, Tensor):
        if src.ndim != index.ndim or any(s < i for s, i in zip(src.shape, index.shape)):
            raise ValueError(f"{op}: src of shape {src.shape} is smaller than index {index.shape}")
        return src[tuple(slice(0, i) for i in index.shape)]
    if isinstance(src, (bool, int, float)):
        return broadcast_to(asarray(src, dtype=x._dtype, device=x._device), index.shape)
    raise TypeError(f"{op}: src must be an nr array or a Python scalar, got {type(src).__name__}")


def scatter(x, /, dim: int, index, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """A copy of ``x`` with ``src`` (an array or a scalar ``value``) written at ``index`` along ``dim``, as
    PyTorch's ``scatter``; ``reduce="add"`` adds instead (``scatter_add``)."""
    if reduce == "add":
        return scatter_add(x, dim, index, src if value is None else value)
    if reduce is not None:
        raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    _, key = _index_arrays(x, dim, index, "scatter")
    values = _source(src if value is None else value, index, x, "scatter")
    out = asarray(x, copy=True)
    out[key] = values
    return out


def scatter_add(x, /, dim: int, index, src) -> Tensor:
    """A copy of ``x`` with ``src`` added at ``index`` along ``dim``; repeated indices add up (``scatter_add``)."""
    _, key = _index_arrays(x, dim, index, "scatter_add")
    values = _source(src, index, x, "scatter_add")
    if values._dtype is not x._dtype:
        values = astype(values, x._dtype)
    return apply(_INDEX_ADD, (x, values), {"key": key}, x._dtype, {"key": tuple(k._data for k in key)})


def masked_fill(x, /, mask, value) -> Tensor:
    """``x`` with ``value`` where the bool ``mask`` (broadcast to ``x``) is true, as PyTorch's ``masked_fill``."""
    if not isinstance(x, Tensor) or not isinstance(mask, Tensor):
        raise TypeError("masked_fill: input and mask must be nr arrays")
    if mask._dtype.kind != "bool":
        raise TypeError(f"masked_fill: mask must be a bool array, got dtype {mask._dtype.name}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"masked_fill: value must be a Python scalar or a 0-d array, got shape {value.shape}")
        value = value if value._dtype is x._dtype else astype(value, x._dtype)
    elif isinstance(value, (bool, int, float, complex)):
        value = asarray(value, dtype=x._dtype, device=x._device)
    else:
        raise TypeError(f"masked_fill: value must be a Python scalar or a 0-d array, got {type(value).__name__}")
    out = where(mask, value, x)
    if out.shape != x.shape:
        raise ValueError(f"masked_fill: mask of shape {mask.shape} does not broadcast to the input's {x.shape}")
    return out
