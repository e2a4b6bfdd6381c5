"""Statistical and utility reductions: sum/prod/min/max/mean/std/var, cumulative sums and products, all/any/diff."""
from __future__ import annotations

import builtins
import math

from .. import dtypes as _d
from ..dispatch import apply
from ..errors import bad_dtype
from ..optable import OPS
from ..array_object import Tensor
from ..ops.elementwise import maximum, minimum
from ..shapes import as_index, normalize_axes, normalize_axis
from ._checks import array
from .aliases import ValuesIndices, axis_of, keep_of
from .creation import full
from .data_types import astype
from .manipulation import concat
from .searching import argmax, argmin

__all__ = ["all", "any", "cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "diff", "logsumexp", "max",
           "mean", "min", "prod", "std", "sum", "var"]

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


# Each reduction also takes PyTorch's spelling: ``sum(x, 1, True)``, ``sum(x, dim=1, keepdim=True)``.
def sum(x, /, dim=None, keepdim=None, *, axis=None, dtype=None, keepdims: bool = False) -> Tensor:
    dt = _acc_dtype(array(x, "sum"), dtype, "sum")
    return _reduce("sum", x, axis_of("sum", axis, dim), keep_of(keepdims, keepdim), dt, dtype=dt)


def prod(x, /, dim=None, keepdim=None, *, axis=None, dtype=None, keepdims: bool = False) -> Tensor:
    dt = _acc_dtype(array(x, "prod"), dtype, "prod")
    return _reduce("prod", x, axis_of("prod", axis, dim), keep_of(keepdims, keepdim), dt, dtype=dt)


def _extreme(name, x, dim, keepdim, axis, keepdims, elementwise, arg):
    array(x, name)
    if dim is None:
        _no_identity(name, x, axis)
        return _reduce(name, x, axis, keep_of(keepdims, keepdim))
    if isinstance(dim, Tensor):  # PyTorch's max(a, b): the elementwise maximum
        return elementwise(x, dim)
    if axis is not None:
        raise TypeError(f"{name}: got both axis={axis!r} and dim={dim!r}; pass one (dim is PyTorch's name for axis)")
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{name}: dim must be an int (PyTorch's (values, indices) form), got {dim!r}; "
                        f"use axis= to reduce over several axes")
    keep = keep_of(False, keepdim)
    _no_identity(name, x, dim)
    return ValuesIndices(_reduce(name, x, dim, keep), arg(x, axis=dim, keepdims=keep))


def max(x, /, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
    """The standard's maximum over ``axis``; with PyTorch's ``dim`` the ``(values, indices)`` pair, and with an
    array as second argument the elementwise maximum, as ``torch.max``."""
    return _extreme("max", x, dim, keepdim, axis, keepdims, maximum, argmax)


def min(x, /, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
    """The standard's minimum over ``axis``; with ``dim``, PyTorch's ``(values, indices)`` (see ``max``)."""
    return _extreme("min", x, dim, keepdim, axis, keepdims, minimum, argmin)


def mean(x, /, dim=None, keepdim=None, *, axis=None, keepdims: bool = False, dtype=None) -> Tensor:
    if dtype is not None:  # PyTorch's mean(x, dtype=...) casts first
        x = astype(array(x, "mean"), dtype)
    return _reduce("mean", x, axis_of("mean", axis, dim), keep_of(keepdims, keepdim))


def _correction(name, correction, unbiased, torch_call):
    """The standard's default is correction=0; a PyTorch call (``dim`` or ``unbiased`` given) defaults to 1."""
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{name}: got both correction= and unbiased=; pass one")
        return 1.0 if unbiased else 0.0
    if correction is not None:
        return correction
    return 1.0 if torch_call else 0.0


def var(x, /, dim=None, unbiased=None, keepdim=None, *, axis=None, correction=None, keepdims: bool = False
        ) -> Tensor:
    return _reduce("var", x, axis_of("var", axis, dim), keep_of(keepdims, keepdim),
                   correction=_correction("var", correction, unbiased, dim is not None))


def std(x, /, dim=None, unbiased=None, keepdim=None, *, axis=None, correction=None, keepdims: bool = False
        ) -> Tensor:
    return _reduce("std", x, axis_of("std", axis, dim), keep_of(keepdims, keepdim),
                   correction=_correction("std", correction, unbiased, dim is not None))


def logsumexp(x, /, dim=None, keepdim=None, *, axis=None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) computed without overflow (an extension, used by losses); -inf over an empty axis."""
    array(x, "logsumexp")
    axis, keepdims = axis_of("logsumexp", axis, dim), keep_of(keepdims, keepdim)
    axes = range(x.ndim) if axis is None else normalize_axes(axis, x.ndim, "logsumexp")
    if builtins.any(x.shape[a] == 0 for a in axes):  # log of an empty sum, as NumPy and PyTorch give
        shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape) if keepdims or i not in axes)
        return full(shape, -math.inf, dtype=x._dtype, device=x._device)
    return _reduce("logsumexp", x, axis, keepdims)


def all(x, /, dim=None, keepdim=None, *, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("all", x, axis_of("all", axis, dim), keep_of(keepdims, keepdim), _d.bool)


def any(x, /, dim=None, keepdim=None, *, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("any", x, axis_of("any", axis, dim), keep_of(keepdims, keepdim), _d.bool)


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


def cumsum(x, /, dim: int, *, dtype=None) -> Tensor:
    """PyTorch's name for ``cumulative_sum`` along ``dim``."""
    return _scan("cumulative_sum", x, dim, dtype, False)


def cumprod(x, /, dim: int, *, dtype=None) -> Tensor:
    """PyTorch's name for ``cumulative_prod`` along ``dim``."""
    return _scan("cumulative_prod", x, dim, dtype, False)


def diff(x, /, *, axis: int = -1, n: int = 1, prepend=None, append=None) -> Tensor:
    op = OPS["diff"]
    array(x, "diff")
    if x.ndim == 0:
        raise ValueError("diff: needs an array of at least one dimension")
    n = as_index(n, "n", "diff")
    if n < 0:
        raise ValueError(f"diff: n must be non-negative, got {n}")
    if x._dtype not in op.accepts and x._dtype is not _d.bool:
        raise bad_dtype(op, x._dtype)
    axis = normalize_axis(axis, x.ndim, "diff")
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, x, append) if p is not None]
        x = concat(parts, axis=axis)
    if n == 0:
        return x
    return apply(op, (x,), {"axis": axis, "n": n}, x._dtype)
