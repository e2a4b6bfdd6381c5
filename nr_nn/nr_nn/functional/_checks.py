"""Argument checks and normalisation shared by the functional API (errors name the function and operands)."""
from __future__ import annotations

from nr_core.errors import device_mismatch
from nr_core.tensor import Tensor


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


def ntuple(value, n: int, fn: str, what: str) -> tuple[int, ...]:
    """An int or a length-n sequence of ints -> a tuple of n ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    out = tuple(value)
    if len(out) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in out):
        raise ValueError(f"{fn}: {what} must be an int or {n} ints, got {value!r}")
    return out


def ndim_in(x: Tensor, allowed: tuple[int, ...], fn: str, layout: str) -> None:
    if x.ndim not in allowed:
        raise ValueError(f"{fn}: expected a {' or '.join(f'{d}-D' for d in allowed)} input {layout}, "
                         f"got shape {x.shape}")
