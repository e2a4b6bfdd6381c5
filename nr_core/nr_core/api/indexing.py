"""Indexing: ``x[key]``, ``x[key] = v`` and the standard's ``take``/``take_along_axis``."""
from __future__ import annotations

import numpy as np

from .. import dispatch
from ..dispatch import apply
from ..errors import device_mismatch
from ..grad_engine import grad_engine
from ..grad_mode import state as _grad
from ..ops.indexing import GETITEM as _GETITEM
from ..ops.indexing import SETITEM as _SETITEM
from ..ops.indexing import TAKE as _TAKE
from ..ops.indexing import TAKE_ALONG_AXIS as _TAKE_ALONG
from ..shapes import normalize_axis
from ..tensor import Tensor
from .creation import asarray
from .data_types import astype

__all__ = ["take", "take_along_axis"]

_BASIC = (int, slice, type(None), type(Ellipsis))


def _native_key(x: Tensor, key, op: str):
    """(nr-level key, kernel key): arrays in the key become native buffers; ints are bounds-checked."""
    parts = key if type(key) is tuple else (key,)
    if all(type(k) in _BASIC for k in parts):
        _check_basic(x.shape, parts, op)
        return key, key
    nr_parts, native = [], []
    for k in parts:
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
        x._data = x._backend.kernels["setitem"](x._data, native_value, key=native)
    x._bump_version()


def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None) -> Tensor:
    if not isinstance(x, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("take: x and indices must be nr arrays")
    if indices._device is not x._device:
        raise device_mismatch("take", x, indices)
    if indices._dtype.kind not in ("int", "uint"):
        raise TypeError(f"take: indices must have an integer dtype, got {indices._dtype.name}")
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"take: axis is required for arrays of more than one dimension, got shape {x.shape}")
        axis = 0
    axis = normalize_axis(axis, x.ndim, "take")
    return apply(_TAKE, (x, indices), {"axis": axis}, x._dtype)


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1) -> Tensor:
    if not isinstance(x, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("take_along_axis: x and indices must be nr arrays")
    if indices._device is not x._device:
        raise device_mismatch("take_along_axis", x, indices)
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: x {x.shape} and indices {indices.shape} must have the same ndim")
    axis = normalize_axis(axis, x.ndim, "take_along_axis")
    return apply(_TAKE_ALONG, (x, indices), {"axis": axis}, x._dtype)
