"""Checks of optimizer hyper-parameters, raising PyTorch's messages prefixed with the optimizer's name."""
from __future__ import annotations

from numbers import Real


def real(owner: str, label: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{owner}: {label} must be a real number, got {type(value).__name__}")
    return float(value)


def non_negative(owner: str, label: str, value) -> None:
    """``Invalid <label>: <value>`` unless ``value >= 0`` (labels as PyTorch words them: "learning rate", …)."""
    if not 0.0 <= real(owner, label, value):
        raise ValueError(f"{owner}: Invalid {label}: {value}")


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
