"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from . import _validate as v
from ._ops import direction
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's SGD: ``buf = momentum * buf + (1 - dampening) * g`` (``buf = g`` on the first step), then
    ``p -= lr * (g + momentum * buf if nesterov else buf)``."""

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.non_negative("SGD", "learning rate", group["lr"])
        v.non_negative("SGD", "momentum value", group["momentum"])
        v.non_negative("SGD", "weight_decay value", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = float(group["lr"]), float(group["momentum"]), float(group["dampening"])
        wd, nesterov, maximize = float(group["weight_decay"]), group["nesterov"], group["maximize"]
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            g = direction(p, grad, maximize, wd)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                buf = g.clone() if buf is None else buf * momentum + g * (1.0 - dampening)
                state["momentum_buffer"] = buf
                g = g + buf * momentum if nesterov else buf
            p -= g * lr
