"""Scatter-add through the public dispatch path: the adjoint of every gather (getitem, take, repeat, sort)."""
from __future__ import annotations

from nr_core.api.data_types import astype
from nr_core.dispatch import apply
from nr_core.ops.indexing import INDEX_ADD as _INDEX_ADD
from nr_core.array_object import Tensor


def native_key(key):
    """The kernel's form of an nr-level index key: nr arrays inside become their native buffers."""
    if type(key) is tuple:
        return tuple(k._data if isinstance(k, Tensor) else k for k in key)
    return key._data if isinstance(key, Tensor) else key


def index_add(base: Tensor, values: Tensor, key) -> Tensor:
    """``base`` with ``values`` added at ``base[key]`` (repeated indices add up); recorded like any other op."""
    if values._dtype is not base._dtype:
        values = astype(values, base._dtype)
    return apply(_INDEX_ADD, (base, values), {"key": key}, base._dtype, {"key": native_key(key)})
