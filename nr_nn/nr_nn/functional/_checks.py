"""Argument checks and normalisation shared by the functional API (errors name the function and operands)."""
from __future__ import annotations

import numbers

from nr_core.dtypes import LOW_PRECISION, float32
from nr_core.errors import device_mismatch
from nr_core.array_object import Tensor


def tensor(x, fn: str, what: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: {what} must be an nr array, got {type(x).__name__}")
    return x


def floating(x, fn: str, what: str = "input") -> Tensor:
    tensor(x, fn, what)
    if x.dtype.kind != "float":
        raise TypeError(f"{fn}: {what} must have a floating-point dtype, got {x.dtype.name} (shape {x.shape})")
    return x


def same(fn: str, x: Tensor, *others) -> None:
    """Every other array (None allowed) is on x's device with x's dtype."""
    for o in others:
        if o is None:
            continue
        tensor(o, fn, "argument")
        if o.device is not x.device:
            raise device_mismatch(fn, x, o)
        if o.dtype is not x.dtype:
            raise TypeError(f"{fn}: dtypes differ: input is {x.dtype.name} {x.shape}, argument is "
                            f"{o.dtype.name} {o.shape}")


def same_or_float32(fn: str, x: Tensor, *others) -> None:
    """``same``, except that a 16-bit float input may come with float32 parameters (batch statistics kept in float32,
    as PyTorch's CPU batch norm allows, and as autocast leaves them)."""
    if x.dtype in LOW_PRECISION:
        others = [None if o is not None and isinstance(o, Tensor) and o.dtype in (float32, x.dtype) else o
                  for o in others]
    same(fn, x, *others)


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def ntuple(value, n: int, fn: str, what: str) -> tuple[int, ...]:
    """An int or a length-n sequence of ints -> a tuple of n ints."""
    if _is_int(value):
        return (int(value),) * n
    try:
        out = tuple(value)
    except TypeError:  # neither an int nor a sequence
        out = ()
    if len(out) != n or not all(_is_int(v) for v in out):
        raise ValueError(f"{fn}: {what} must be an int or {n} ints, got {value!r}")
    return tuple(int(v) for v in out)


def at_least(values: tuple[int, ...], low: int, fn: str, what: str) -> tuple[int, ...]:
    """``values`` unchanged when every entry is >= ``low``; else ValueError naming the function and argument."""
    if any(v < low for v in values):
        raise ValueError(f"{fn}: {what} must be {'positive' if low == 1 else f'>= {low}'}, got {values}")
    return values


def dim_index(dim, ndim: int, fn: str, what: str = "dim") -> int:
    """``dim`` in [-ndim, ndim) as a non-negative axis (a 0-d array counts as 1-d, as in torch); else IndexError."""
    rank = max(ndim, 1)
    if not _is_int(dim):
        raise TypeError(f"{fn}: {what} must be an int, got {type(dim).__name__}")
    if not -rank <= dim < rank:
        raise IndexError(f"{fn}: {what}={dim} is out of range for a {ndim}-D input (expected to be in range of "
                         f"[{-rank}, {rank - 1}])")
    return int(dim) % rank


def ndim_in(x: Tensor, allowed: tuple[int, ...], fn: str, layout: str) -> None:
    if x.ndim not in allowed:
        raise ValueError(f"{fn}: expected a {' or '.join(f'{d}-D' for d in allowed)} input {layout}, "
                         f"got shape {x.shape}")
