"""Averaged SGD: SGD with a decaying step and a running (Polyak) average of the iterates in ``state["ax"]``."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _validate as v
from ._ops import direction
from .optimizer import Optimizer


class ASGD(Optimizer):
    """PyTorch's ASGD: ``p = p (1 - lambd eta) - eta g``; ``ax += mu (p - ax)``;
    ``eta = lr / (1 + lambd lr t)^alpha``, ``mu = 1 / max(1, t - t0)``."""

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.common("ASGD", group, eps=False)
        for key in ("lambd", "alpha", "t0"):  # torch takes negative values and silently grows the step size
            v.in_range("ASGD", key, group[key], 0.0)

    def _update(self, p, grad, state, group) -> None:
        lr, lambd, alpha, t0 = float(group["lr"]), float(group["lambd"]), float(group["alpha"]), float(group["t0"])
        if not state:
            state["step"] = 0.0
            state["eta"] = lr
            state["mu"] = 1.0
            state["ax"] = nr.zeros_like(p)
        state["step"] += 1.0
        g = direction(p, grad, group["maximize"], float(group["weight_decay"]))
        eta = state["eta"]
        p[...] = p * (1.0 - lambd * eta) - g * eta
        mu = state["mu"]
        state["ax"] = state["ax"] + (p - state["ax"]) * mu if mu != 1 else p.clone()
        step = state["step"]
        state["eta"] = lr / ((1.0 + lambd * lr * step) ** alpha)
        state["mu"] = 1.0 / max(1.0, step - t0)
