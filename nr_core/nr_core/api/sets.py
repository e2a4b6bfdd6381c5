"""Set functions: the four ``unique_*`` of the standard (data-dependent shapes)."""
from __future__ import annotations

from typing import NamedTuple

from .. import dtypes as _d
from ..dispatch import apply
from ..optable import OPS
from ..array_object import Tensor
from ._checks import array

__all__ = ["unique_all", "unique_counts", "unique_inverse", "unique_values"]


class UniqueAllResult(NamedTuple):
    values: Tensor
    indices: Tensor
    inverse_indices: Tensor
    counts: Tensor


class UniqueCountsResult(NamedTuple):
    values: Tensor
    counts: Tensor


class UniqueInverseResult(NamedTuple):
    values: Tensor
    inverse_indices: Tensor


def _check(x, name):
    array(x, name)
    if not x._backend.capabilities.data_dependent_shapes:
        raise TypeError(f"{name}: device {x._device} does not support data-dependent output shapes")


def unique_all(x, /) -> UniqueAllResult:
    _check(x, "unique_all")
    i = _d.int64
    return UniqueAllResult(*apply(OPS["unique_all"], (x,), {}, (x._dtype, i, i, i)))


def unique_counts(x, /) -> UniqueCountsResult:
    _check(x, "unique_counts")
    return UniqueCountsResult(*apply(OPS["unique_counts"], (x,), {}, (x._dtype, _d.int64)))


def unique_inverse(x, /) -> UniqueInverseResult:
    _check(x, "unique_inverse")
    return UniqueInverseResult(*apply(OPS["unique_inverse"], (x,), {}, (x._dtype, _d.int64)))


def unique_values(x, /) -> Tensor:
    _check(x, "unique_values")
    return apply(OPS["unique_values"], (x,), {}, x._dtype)
