"""Shape arithmetic shared by the frontend: broadcasting, axis and shape normalisation, with op-named errors.

Integers arrive as anything ``operator.index`` takes (Python ints, NumPy integer scalars, 0-d integer arrays),
as SciPy and other array-API consumers pass them; bools and floats are refused.
"""
from __future__ import annotations

import operator


def broadcast_shapes(*shapes, op: str = "broadcast_shapes") -> tuple[int, ...]:
    """The broadcast of ``shapes`` (standard rules), or ValueError naming the op and every shape."""
    ndim = max(map(len, shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        off = ndim - len(s)
        for i, n in enumerate(s):
            cur = out[off + i]
            if n == cur or n == 1:
                continue
            if cur == 1:
                out[off + i] = n
            else:
                shown = " and ".join(str(tuple(x)) for x in shapes)
                raise ValueError(f"{op}: shapes {shown} cannot be broadcast together")
    return tuple(out)


def as_index(value, what: str, op: str) -> int:
    """``value`` as a Python int, or TypeError naming ``op`` and the argument ``what``."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise TypeError(f"{op}: {what} must be an integer, got a bool ({value!r})")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an integer, got {type(value).__name__} {value!r}") from None


def as_indices(values, what: str, op: str) -> tuple[int, ...]:
    """A sequence of integers as a tuple of Python ints (C-level ``map`` on the common path: gradient rules call
    reshape and friends on every backward pass), or the TypeError of the first bad one."""
    try:
        out = tuple(map(operator.index, values))
    except TypeError:
        out = None
    if out is None or bool in map(type, values):
        return tuple(as_index(v, what, op) for v in values)
    return out


def normalize_shape(shape, op: str, what: str = "shape") -> tuple[int, ...]:
    """An int or a sequence of ints, each non-negative, as a tuple of Python ints."""
    if isinstance(shape, (list, tuple)):
        out = as_indices(shape, what, op)
    else:
        try:
            out = (as_index(shape, what, op),)
        except TypeError:
            raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got {type(shape).__name__} "
                            f"{shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"{op}: {what} must hold non-negative sizes, got {out}")
    return out


def normalize_axis(axis, ndim: int, op: str) -> int:
    axis = as_index(axis, "axis", op)
    if not -ndim <= axis < ndim:
        raise IndexError(f"{op}: axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim


def normalize_axes(axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """None stays None (all axes); an int or a tuple becomes a tuple of distinct non-negative axes."""
    if axis is None:
        return None
    axes = as_indices(axis, "axis", op) if isinstance(axis, (list, tuple)) else (as_index(axis, "axis", op),)
    out = []
    for a in axes:  # a loop, not generators: this runs in gradient rules on every backward pass
        if not -ndim <= a < ndim:
            normalize_axis(a, ndim, op)  # raises the IndexError naming the axis
        out.append(a % ndim)
    out = tuple(out)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return out
