"""Checks of optimizer and scheduler arguments, raising PyTorch's messages (where it has them) prefixed with the
owner's name; the stricter checks say what the argument must be."""
from __future__ import annotations

import math
from numbers import Integral, Real


def real(owner: str, label: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{owner}: {label} must be a real number, got {type(value).__name__}")
    return float(value)


def non_negative(owner: str, label: str, value) -> None:
    """``Invalid <label>: <value>`` unless ``0 <= value < inf`` (labels as PyTorch words them: "learning rate", …)."""
    if not 0.0 <= real(owner, label, value) < math.inf:
        raise ValueError(f"{owner}: Invalid {label}: {value}")


def integer(owner: str, label: str, value, minimum: int) -> int:
    """An int (not a bool, not a float) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{owner}: {label} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{owner}: {label} must be an int >= {minimum}, got {value}")
    return int(value)


def in_range(owner: str, label: str, value, low: float = -math.inf, high: float = math.inf, *,
             low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number in the interval from ``low`` to ``high`` (each end closed unless told open)."""
    x = real(owner, label, value)
    above = x > low if low_open else x >= low
    below = x < high if high_open else x <= high
    if not (math.isfinite(x) and above and below):
        bounds = [f"{'>' if low_open else '>='} {low:g}" if low > -math.inf else "",
                  f"{'<' if high_open else '<='} {high:g}" if high < math.inf else ""]
        raise ValueError(f"{owner}: {label} must be a finite number {' and '.join(b for b in bounds if b)}, "
                         f"got {value}")
    return x


def each_in_range(owner: str, label: str, values, low: float = -math.inf, high: float = math.inf, **open_ends):
    """``in_range`` for a number or each entry of a per-group list/tuple (named ``label[i]``)."""
    if isinstance(values, (list, tuple)):
        for i, value in enumerate(values):
            in_range(owner, f"{label}[{i}]", value, low, high, **open_ends)
    else:
        in_range(owner, label, values, low, high, **open_ends)


def betas(owner: str, value) -> None:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {value!r}")
    for i, b in enumerate(value):
        if not 0.0 <= real(owner, f"betas[{i}]", b) < 1.0:
            raise ValueError(f"{owner}: Invalid beta parameter at index {i}: {b} (must be in [0, 1))")


def common(owner: str, group: dict, *, eps: bool = True) -> None:
    """The checks almost every optimizer makes: lr, eps and weight_decay non-negative."""
    non_negative(owner, "learning rate", group["lr"])
    if eps:
        non_negative(owner, "epsilon value", group["eps"])
    if "weight_decay" in group:
        non_negative(owner, "weight_decay value", group["weight_decay"])


def foreach_fused(owner: str, group: dict) -> None:
    """PyTorch refuses ``foreach=True`` with ``fused=True`` (both pick the implementation)."""
    if group.get("foreach") and group.get("fused"):
        raise RuntimeError(f"{owner}: `fused` and `foreach` cannot be `True` together.")
