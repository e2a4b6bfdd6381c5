"""RMSprop, plain or centered, with optional momentum."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _multi, _updates
from . import _validate as v
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """PyTorch's RMSprop: ``v = alpha v + (1 - alpha) g^2``; ``avg = sqrt(v - mean(g)^2 if centered else v) + eps``;
    ``p -= lr * g / avg``, or through ``buf = momentum buf + g / avg`` when ``momentum > 0``. ``foreach``: see
    ``Optimizer``."""

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

    @staticmethod
    def _options(group: dict[str, Any]) -> dict[str, Any]:
        return dict(lr=float(group["lr"]), alpha=float(group["alpha"]), eps=float(group["eps"]),
                    weight_decay=float(group["weight_decay"]), momentum=float(group["momentum"]),
                    maximize=group["maximize"])

    def _state(self, p, state, group) -> dict[str, Any]:
        if not state:
            state["step"] = 0.0
            state["square_avg"] = nr.zeros_like(p)
            if float(group["momentum"]) > 0:
                state["momentum_buffer"] = nr.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = nr.zeros_like(p)
        state["step"] += 1.0
        return state

    def _update(self, p, grad, state, group) -> None:
        st = self._state(p, state, group)
        _updates.rmsprop(p, grad, st["square_avg"], st.get("grad_avg"), st.get("momentum_buffer"),
                         **self._options(group))

    def _multi_update(self, params, group) -> None:
        states = [self._state(p, self.state[p], group) for p in params]
        opts = self._options(group)
        _multi.rmsprop_update(params, [p.grad for p in params], [s["square_avg"] for s in states],
                              [s["grad_avg"] for s in states] if group["centered"] else None,
                              [s["momentum_buffer"] for s in states] if opts["momentum"] > 0 else None, **opts)
