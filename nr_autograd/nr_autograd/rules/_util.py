"""Small helpers shared by the rule families: conjugation under the Wirtinger convention, reduced-axis shapes."""
from __future__ import annotations

import nr_core as nr
from nr_core.array_object import Tensor


def conj(v):
    """``conj(v)`` for complex arrays and scalars; real values pass through without an op."""
    if isinstance(v, Tensor):
        return nr.conj(v) if v._dtype.kind == "complex" else v
    return v.conjugate() if isinstance(v, complex) else v


def mulc(g, d):
    """``g * conj(d)``: the vector-Jacobian product of an op with derivative ``d`` (PyTorch's convention)."""
    return g * conj(d)


def kept_shape(shape: tuple, axis) -> tuple:
    """``shape`` with the reduced axes (``axis`` a tuple, or None for all) kept as size 1."""
    return tuple(1 if axis is None or i in axis else s for i, s in enumerate(shape))


def count(shape: tuple, axis) -> int:
    n = 1
    for i, s in enumerate(shape):
        if axis is None or i in axis:
            n *= s
    return n


def keep_dims(t: Tensor, shape: tuple, axis, keepdims: bool) -> Tensor:
    """A reduction's result or gradient reshaped so that it broadcasts against the input of ``shape``."""
    return t if keepdims else nr.reshape(t, kept_shape(shape, axis))


def expand(g: Tensor, shape: tuple, axis, keepdims: bool) -> Tensor:
    """A reduction's gradient broadcast back over the input's ``shape``."""
    return nr.broadcast_to(keep_dims(g, shape, axis, keepdims), shape)


def zeros(shape: tuple, like: Tensor) -> Tensor:
    return nr.zeros(shape, dtype=like.dtype, device=like.device)
