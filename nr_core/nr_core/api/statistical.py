"""Statistical and utility reductions: sum/prod/min/max/mean/std/var, cumulative sums and products, all/any/diff."""
from __future__ import annotations

import builtins

from .. import dtypes as _d
from ..dispatch import apply
from ..errors import bad_dtype
from ..optable import OPS
from ..shapes import normalize_axes, normalize_axis
from ..array_object import Tensor
from ._checks import array
from .manipulation import concat

__all__ = ["all", "any", "cumulative_prod", "cumulative_sum", "diff", "logsumexp", "max", "mean", "min", "prod",
           "std", "sum", "var"]

_ACC = {"bool": _d.int64, "int": _d.int64, "uint": _d.uint64}


def _reduce(name, x, axis, keepdims, out_dtype=None, **params):
    op = OPS[name]
    array(x, name)
    if x._dtype not in op.accepts:
        raise bad_dtype(op, x._dtype)
    axes = normalize_axes(axis, x.ndim, name)
    return apply(op, (x,), {"axis": axes, "keepdims": bool(keepdims), **params},
                 out_dtype or x._dtype)


def _no_identity(name, x, axis):
    axes = range(x.ndim) if axis is None else normalize_axes(axis, x.ndim, name)
    if builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: reduction over a zero-size axis of shape {x.shape} has no identity")


def _acc_dtype(x, dtype, name):
    if dtype is not None:
        if not isinstance(dtype, _d.DType):
            raise TypeError(f"{name}: dtype must be an nr dtype, got {dtype!r}")
        return dtype
    return _ACC.get(x._dtype.kind, x._dtype)


def sum(x, /, *, axis=None, dtype=None, keepdims: bool = False) -> Tensor:
    dt = _acc_dtype(array(x, "sum"), dtype, "sum")
    return _reduce("sum", x, axis, keepdims, dt, dtype=dt)


def prod(x, /, *, axis=None, dtype=None, keepdims: bool = False) -> Tensor:
    dt = _acc_dtype(array(x, "prod"), dtype, "prod")
    return _reduce("prod", x, axis, keepdims, dt, dtype=dt)


def max(x, /, *, axis=None, keepdims: bool = False) -> Tensor:
    _no_identity("max", array(x, "max"), axis)
    return _reduce("max", x, axis, keepdims)


def min(x, /, *, axis=None, keepdims: bool = False) -> Tensor:
    _no_identity("min", array(x, "min"), axis)
    return _reduce("min", x, axis, keepdims)


def mean(x, /, *, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("mean", x, axis, keepdims)


def var(x, /, *, axis=None, correction=0.0, keepdims: bool = False) -> Tensor:
    return _reduce("var", x, axis, keepdims, correction=correction)


def std(x, /, *, axis=None, correction=0.0, keepdims: bool = False) -> Tensor:
    return _reduce("std", x, axis, keepdims, correction=correction)


def logsumexp(x, /, *, axis=None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) computed without overflow (an extension, used by losses)."""
    return _reduce("logsumexp", x, axis, keepdims)


def all(x, /, *, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("all", x, axis, keepdims, _d.bool)


def any(x, /, *, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("any", x, axis, keepdims, _d.bool)


def _scan(name, x, axis, dtype, include_initial):
    op = OPS[name]
    array(x, name)
    if x._dtype not in op.accepts:
        raise bad_dtype(op, x._dtype)
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"{name}: axis is required for arrays of more than one dimension, got shape {x.shape}")
        axis = 0
    axis = normalize_axis(axis, x.ndim, name)
    dt = _acc_dtype(x, dtype, name)
    return apply(op, (x,), {"axis": axis, "include_initial": bool(include_initial), "dtype": dt}, dt)


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial: bool = False) -> Tensor:
    return _scan("cumulative_sum", x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial: bool = False) -> Tensor:
    return _scan("cumulative_prod", x, axis, dtype, include_initial)


def diff(x, /, *, axis: int = -1, n: int = 1, prepend=None, append=None) -> Tensor:
    op = OPS["diff"]
    array(x, "diff")
    if x.ndim == 0:
        raise ValueError("diff: needs an array of at least one dimension")
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    if x._dtype not in op.accepts and x._dtype is not _d.bool:
        raise bad_dtype(op, x._dtype)
    axis = normalize_axis(axis, x.ndim, "diff")
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, x, append) if p is not None]
        x = concat(parts, axis=axis)
    if n == 0:
        return x
    return apply(op, (x,), {"axis": axis, "n": n}, x._dtype)
