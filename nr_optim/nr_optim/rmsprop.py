"""RMSprop, plain or centered, with optional momentum."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _validate as v
from ._ops import direction, ema_sq, lerp
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """PyTorch's RMSprop: ``v = alpha v + (1 - alpha) g^2``; ``avg = sqrt(v - mean(g)^2 if centered else v) + eps``;
    ``p -= lr * g / avg``, or through ``buf = momentum buf + g / avg`` when ``momentum > 0``."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.common("RMSprop", group)
        v.non_negative("RMSprop", "momentum value", group["momentum"])
        v.non_negative("RMSprop", "alpha value", group["alpha"])

    def _update(self, p, grad, state, group) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum = float(group["momentum"])
        if not state:
            state["step"] = 0.0
            state["square_avg"] = nr.zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = nr.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = nr.zeros_like(p)
        state["step"] += 1.0
        g = direction(p, grad, group["maximize"], float(group["weight_decay"]))
        state["square_avg"] = sq = ema_sq(state["square_avg"], g, alpha)
        if group["centered"]:
            state["grad_avg"] = ga = lerp(state["grad_avg"], g, 1.0 - alpha)
            avg = nr.sqrt(sq - ga * ga) + eps
        else:
            avg = nr.sqrt(sq) + eps
        if momentum > 0:
            state["momentum_buffer"] = buf = state["momentum_buffer"] * momentum + g / avg
            p -= buf * lr
        else:
            p -= g / avg * lr
