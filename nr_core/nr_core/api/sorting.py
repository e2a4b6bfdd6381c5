"""Sorting: ``sort`` and ``argsort`` (stable, optionally descending), and PyTorch's ``topk``."""
from __future__ import annotations

from .. import dtypes as _d
from ..dispatch import apply
from ..errors import bad_dtype
from ..optable import OPS
from ..shapes import normalize_axis
from ..array_object import Tensor
from ._checks import array
from .aliases import ValuesIndices, axis_of
from .indexing import take_along_axis

__all__ = ["argsort", "sort", "topk"]


def _sort(name, x, axis, descending, stable, out_dtype):
    op = OPS[name]
    array(x, name)
    if x._dtype not in op.accepts:
        raise bad_dtype(op, x._dtype)
    if x.ndim == 0:
        raise ValueError(f"{name}: not defined for zero-dimensional arrays")
    axis = normalize_axis(axis, x.ndim, name)
    return apply(op, (x,), {"axis": axis, "descending": bool(descending), "stable": bool(stable)},
                 out_dtype or x._dtype)


def sort(x, /, dim=None, descending: bool = False, stable: bool = True, *, axis: int | None = None):
    """The standard's sorted values; PyTorch's ``sort(x, dim)`` (``dim`` given) returns ``(values, indices)``."""
    if dim is None:
        return _sort("sort", x, -1 if axis is None else axis, descending, stable, None)
    indices = _sort("argsort", x, axis_of("sort", axis, dim), descending, True, _d.int64)
    return ValuesIndices(take_along_axis(x, indices, axis=dim), indices)


def argsort(x, /, dim=None, descending: bool = False, stable: bool = True, *, axis: int | None = None) -> Tensor:
    axis = axis_of("argsort", axis, dim)
    return _sort("argsort", x, -1 if axis is None else axis, descending, stable, _d.int64)


def topk(x, /, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """PyTorch's ``topk``: the ``k`` largest (or smallest) entries along ``dim`` and their indices, in order."""
    array(x, "topk")
    axis = normalize_axis(dim, max(x.ndim, 1), "topk")
    n = x.shape[axis] if x.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= n:
        raise ValueError(f"topk: k must be an int in [0, {n}] for dim {dim} of shape {x.shape}, got {k!r}")
    order = _sort("argsort", x, axis, largest, True, _d.int64)
    indices = order[(slice(None),) * axis + (slice(0, k),)]
    return ValuesIndices(take_along_axis(x, indices, axis=axis), indices)
