"""Shape arithmetic shared by the frontend: broadcasting and axis normalisation, with op-named errors."""
from __future__ import annotations


def broadcast_shapes(*shapes, op: str = "broadcast_shapes") -> tuple[int, ...]:
    """The broadcast of ``shapes`` (standard rules), or ValueError naming the op and every shape."""
    ndim = max((len(s) for s in shapes), default=0)
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


def normalize_axis(axis: int, ndim: int, op: str) -> int:
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise IndexError(f"{op}: axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim


def normalize_axes(axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """None stays None (all axes); an int or a tuple becomes a tuple of distinct non-negative axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = tuple(normalize_axis(a, ndim, op) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return out
