"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _validate as v
from ._ops import direction, ema_sq
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """PyTorch's Adadelta: ``v = rho v + (1 - rho) g^2``, ``d = sqrt(u + eps) / sqrt(v + eps) * g``,
    ``u = rho u + (1 - rho) d^2``, ``p -= lr * d``."""

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.common("Adadelta", group)
        if not 0.0 <= v.real("Adadelta", "rho", group["rho"]) <= 1.0:
            raise ValueError(f"Adadelta: Invalid rho value: {group['rho']} (must be in [0, 1])")

    def _update(self, p, grad, state, group) -> None:
        rho, eps = float(group["rho"]), float(group["eps"])
        if not state:
            state["step"] = 0.0
            state["square_avg"] = nr.zeros_like(p)
            state["acc_delta"] = nr.zeros_like(p)
        state["step"] += 1.0
        g = direction(p, grad, group["maximize"], float(group["weight_decay"]))
        state["square_avg"] = sq = ema_sq(state["square_avg"], g, rho)
        delta = nr.sqrt(state["acc_delta"] + eps) / nr.sqrt(sq + eps) * g
        state["acc_delta"] = ema_sq(state["acc_delta"], delta, rho)
        p -= delta * float(group["lr"])
