"""Rprop: per-element step sizes grown or shrunk by the sign agreement of successive gradients."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _validate as v
from .optimizer import Optimizer


class Rprop(Optimizer):
    """PyTorch's Rprop: step sizes times ``etaplus``/``etaminus``/1 where ``g * prev`` is >0/<0/0, clamped to
    ``step_sizes``; where the sign flipped the gradient counts as zero; ``p -= sign(g) * step_size``."""

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach, maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.non_negative("Rprop", "learning rate", group["lr"])
        etaminus, etaplus = (v.real("Rprop", "etas", e) for e in group["etas"])
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Rprop: Invalid eta values: {etaminus}, {etaplus} (need 0 < etaminus < 1 < etaplus)")
        if len(group["step_sizes"]) != 2:
            raise TypeError(f"Rprop: step_sizes must be a pair (min, max), got {group['step_sizes']!r}")
        lo, hi = (v.in_range("Rprop", f"step_sizes[{i}]", s, 0.0) for i, s in enumerate(group["step_sizes"]))
        if lo > hi:  # torch clamps into an empty range: every step size becomes the max
            raise ValueError(f"Rprop: step_sizes must be (min, max) with min <= max, got {group['step_sizes']!r}")

    def _update(self, p, grad, state, group) -> None:
        etaminus, etaplus = float(group["etas"][0]), float(group["etas"][1])
        lo, hi = float(group["step_sizes"][0]), float(group["step_sizes"][1])
        if not state:
            state["step"] = 0.0
            state["prev"] = nr.zeros_like(p)
            state["step_size"] = nr.full_like(p, float(group["lr"]))
        state["step"] += 1.0
        g = -grad if group["maximize"] else grad
        sign = nr.sign(g * state["prev"])
        factor = nr.where(sign > 0, etaplus, nr.where(sign < 0, etaminus, nr.where(sign == 0, 1.0, sign)))
        state["step_size"] = step_size = nr.clip(state["step_size"] * factor, lo, hi)
        g = nr.where(sign < 0, 0.0, g)
        p -= nr.sign(g) * step_size
        state["prev"] = g
