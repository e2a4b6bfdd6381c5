"""Adagrad with learning-rate decay and an initial accumulator value."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _validate as v
from ._ops import direction
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """PyTorch's Adagrad: ``sum += g^2``, ``p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)``.

    As in PyTorch, state is created for every parameter at construction.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.common("Adagrad", group)
        v.non_negative("Adagrad", "lr_decay value", group["lr_decay"])
        v.non_negative("Adagrad", "initial_accumulator_value value", group["initial_accumulator_value"])

    @staticmethod
    def _init_state(p, state, group) -> None:
        if not state:
            state["step"] = 0.0
            state["sum"] = nr.full_like(p, float(group["initial_accumulator_value"]))

    def _update(self, p, grad, state, group) -> None:
        self._init_state(p, state, group)
        state["step"] += 1.0
        g = direction(p, grad, group["maximize"], float(group["weight_decay"]))
        clr = float(group["lr"]) / (1.0 + (state["step"] - 1.0) * float(group["lr_decay"]))
        state["sum"] = acc = state["sum"] + g * g
        p -= g / (nr.sqrt(acc) + float(group["eps"])) * clr
