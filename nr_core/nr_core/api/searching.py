"""Searching: argmax/argmin, count_nonzero, nonzero, searchsorted, where."""
from __future__ import annotations

from .. import dtypes as _d
from ..dispatch import apply
from ..errors import bad_dtype, device_mismatch
from ..optable import OPS
from ..shapes import broadcast_shapes, normalize_axes, normalize_axis
from ..array_object import Tensor
from ._checks import array
from .aliases import axis_of, keep_of
from .creation import asarray, scalar_array, scalar_dtype, zeros
from .data_types import astype, result_type

__all__ = ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where"]


def _arg(name, x, axis, keepdims):
    op = OPS[name]
    array(x, name)
    if x._dtype not in op.accepts:
        raise bad_dtype(op, x._dtype)
    if axis is not None:
        axis = normalize_axis(axis, x.ndim, name)
    if x.size == 0:
        if axis is None or x.shape[axis] == 0:
            where = "the whole array" if axis is None else f"axis {axis}, which has size 0,"
            raise ValueError(f"{name}: {where} of shape {x.shape} is empty, so it has no {name}")
        # the reduced axis is not empty, the others are: an empty result, as NumPy gives
        shape = tuple(1 if i == axis else s for i, s in enumerate(x.shape) if keepdims or i != axis)
        return zeros(shape, dtype=_d.int64, device=x._device)
    return apply(op, (x,), {"axis": axis, "keepdims": bool(keepdims)}, _d.int64)


def argmax(x, /, dim=None, keepdim=None, *, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _arg("argmax", x, axis_of("argmax", axis, dim), keep_of(keepdims, keepdim))


def argmin(x, /, dim=None, keepdim=None, *, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _arg("argmin", x, axis_of("argmin", axis, dim), keep_of(keepdims, keepdim))


def count_nonzero(x, /, dim=None, *, axis=None, keepdims: bool = False) -> Tensor:
    array(x, "count_nonzero")
    axes = normalize_axes(axis_of("count_nonzero", axis, dim), x.ndim, "count_nonzero")
    return apply(OPS["count_nonzero"], (x,), {"axis": axes, "keepdims": bool(keepdims)}, _d.int64)


def nonzero(x, /) -> tuple[Tensor, ...]:
    array(x, "nonzero")
    if x.ndim == 0:
        raise ValueError("nonzero: not defined for zero-dimensional arrays")
    if not x._backend.capabilities.data_dependent_shapes:
        raise TypeError(f"nonzero: device {x._device} does not support data-dependent output shapes")
    return apply(OPS["nonzero"], (x,), {}, _d.int64)


def searchsorted(x1, x2, /, *, side: str = "left", sorter=None) -> Tensor:
    op = OPS["searchsorted"]
    array(x1, "searchsorted")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if isinstance(x2, (int, float)):
        x2 = asarray(x2, dtype=x1._dtype, device=x1._device)
    array(x2, "searchsorted")
    if x1.ndim != 1:
        raise ValueError(f"searchsorted: x1 must be 1-D, got shape {x1.shape}")
    if x2._device is not x1._device:
        raise device_mismatch("searchsorted", x1, x2)
    for a in (x1, x2):
        if a._dtype not in op.accepts:
            raise bad_dtype(op, a._dtype)
    dt = _d.promote_types(x1._dtype, x2._dtype, "searchsorted")
    x1 = x1 if x1._dtype is dt else astype(x1, dt)
    x2 = x2 if x2._dtype is dt else astype(x2, dt)
    inputs = (x1, x2)
    params = {"side": side}
    if sorter is not None:
        array(sorter, "searchsorted")
        x1 = x1[sorter]
        inputs = (x1, x2)
    return apply(op, inputs, params, _d.int64)


_NUMBERS = (float, int)


def where(condition, x1, x2, /) -> Tensor:
    """Elements of ``x1`` where ``condition`` is true, else of ``x2`` (either or both may be Python scalars)."""
    # the usual form first (ReLU's gradient, masking): a float array of the mask's shape and a Python number,
    # which keeps the array's dtype; checks and promotion below cost more than the kernel on small arrays
    if (type(condition) is Tensor and type(x1) is Tensor and type(x2) in _NUMBERS and condition._dtype is _d.bool
            and x1._device is condition._device and x1._dtype.kind == "float"
            and x1._data.shape == condition._data.shape):
        return apply(OPS["where"], (condition, x1, scalar_array(x2, x1._dtype, condition._device)), {}, x1._dtype)
    array(condition, "where")
    if condition._dtype is not _d.bool:
        raise TypeError(f"where: condition must be a bool array, got dtype {condition._dtype.name}")
    arrays = [a for a in (x1, x2) if isinstance(a, Tensor)]
    for a in arrays:
        if a._device is not condition._device:
            raise device_mismatch("where", condition, *arrays)
    # two Python scalars (PyTorch's where(c, 1.0, 0.0)): the scalars' default dtype, promoted like two arrays
    dt = result_type(*(a for a in (x1, x2))) if arrays else _d.promote_types(
        scalar_dtype(x1, "where"), scalar_dtype(x2, "where"), "where")
    dev = condition._device
    x1 = astype(x1, dt, copy=False) if isinstance(x1, Tensor) else scalar_array(x1, dt, dev)
    x2 = astype(x2, dt, copy=False) if isinstance(x2, Tensor) else scalar_array(x2, dt, dev)
    broadcast_shapes(condition.shape, x1.shape, x2.shape, op="where")
    return apply(OPS["where"], (condition, x1, x2), {}, dt)

