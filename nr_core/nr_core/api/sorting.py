"""Sorting: ``sort`` and ``argsort`` (stable, optionally descending)."""
from __future__ import annotations

from .. import dtypes as _d
from ..dispatch import apply
from ..errors import bad_dtype
from ..optable import OPS
from ..shapes import normalize_axis
from ..array_object import Tensor
from ._checks import array

__all__ = ["argsort", "sort"]


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


def sort(x, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> Tensor:
    return _sort("sort", x, axis, descending, stable, None)


def argsort(x, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> Tensor:
    return _sort("argsort", x, axis, descending, stable, _d.int64)
