"""PyTorch's argument spellings beside the standard's: ``dim``/``keepdim`` for ``axis``/``keepdims``, and the
``(values, indices)`` pair that PyTorch's ``max``/``min``/``sort``/``topk`` return when given a ``dim``.

A call that spells ``dim`` is PyTorch's call and gets PyTorch's result; one that spells ``axis`` (or neither)
is the standard's, so array-API code never sees a change.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the array object imports this module (its methods take these spellings)
    from ..array_object import Tensor


class ValuesIndices(NamedTuple):
    """PyTorch's ``torch.return_types`` pair: ``values, indices = x.max(dim=1)``."""

    values: Tensor
    indices: Tensor


def axis_of(op: str, axis, dim):
    """The axis a call names, whether as the standard's ``axis`` or PyTorch's ``dim`` (not both)."""
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError(f"{op}: got both axis={axis!r} and dim={dim!r}; pass one (dim is PyTorch's name for axis)")
    return tuple(dim) if isinstance(dim, list) else dim


def keep_of(keepdims: bool, keepdim) -> bool:
    """``keepdims``, unless PyTorch's ``keepdim`` was given."""
    return keepdims if keepdim is None else bool(keepdim)
