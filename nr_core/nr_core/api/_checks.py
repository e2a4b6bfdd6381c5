"""Argument checks shared by the namespace modules."""
from __future__ import annotations

from ..errors import device_mismatch
from ..array_object import Tensor


def array(x, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected an nr array, got {type(x).__name__}")
    return x


def same_device(arrays, op: str) -> None:
    dev = arrays[0]._device
    for a in arrays[1:]:
        if a._device is not dev:
            raise device_mismatch(op, *arrays)
