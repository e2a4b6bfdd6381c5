"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _multi, _updates
from . import _validate as v
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's SGD: ``buf = momentum * buf + (1 - dampening) * g`` (``buf = g`` on the first step), then
    ``p -= lr * (g + momentum * buf if nesterov else buf)``. ``foreach``/``fused``: see ``Optimizer``."""

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, fused=fused)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.non_negative("SGD", "learning rate", group["lr"])
        v.non_negative("SGD", "momentum value", group["momentum"])
        v.non_negative("SGD", "weight_decay value", group["weight_decay"])
        v.foreach_fused("SGD", group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")

    @staticmethod
    def _options(group: dict[str, Any]) -> dict[str, Any]:
        return dict(lr=float(group["lr"]), momentum=float(group["momentum"]), dampening=float(group["dampening"]),
                    weight_decay=float(group["weight_decay"]), nesterov=group["nesterov"],
                    maximize=group["maximize"])

    def _buffer(self, p) -> tuple[Any, bool]:
        """The momentum buffer of ``p`` and whether it was just created (then it takes the first direction)."""
        state = self.state[p]
        buf = state.get("momentum_buffer")
        if buf is None:
            state["momentum_buffer"] = buf = nr.zeros_like(p)
            return buf, True
        return buf, False

    def _update(self, p, grad, state, group) -> None:
        opts = self._options(group)
        if opts["momentum"] != 0:
            buf, fresh = self._buffer(p)
        else:  # plain SGD keeps no state (the step loop's lookup made an empty entry)
            buf, fresh = None, False
            if not state:
                del self.state[p]
        _updates.sgd(p, grad, buf, fresh, **opts)

    def _multi_update(self, params, group) -> None:
        opts = self._options(group)
        pairs = [self._buffer(p) for p in params] if opts["momentum"] != 0 else []
        _multi.sgd_update(params, [p.grad for p in params], [b for b, _ in pairs],
                          [f for _, f in pairs] or [False] * len(params), **opts)
