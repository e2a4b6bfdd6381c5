"""Adafactor (Shazeer & Stern 2018) as in PyTorch: factored second moments for matrices, relative step sizes."""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _validate as v
from ._ops import lerp, norm
from .optimizer import Optimizer


class Adafactor(Optimizer):
    """PyTorch's Adafactor: ``beta2_t = 1 - t^beta2_decay``; for arrays of 2+ dims the second moment is the outer
    product of row and column means of ``g^2``; the update is clipped by RMS ``d`` and scaled by
    ``max(eps2, RMS(p)) * min(lr, 1 / sqrt(t))``. Like PyTorch it reads two norms on the host per parameter."""

    def __init__(self, params: Iterable, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.non_negative("Adafactor", "learning rate", group["lr"])
        if not 0.0 >= v.real("Adafactor", "beta2_decay", group["beta2_decay"]):
            raise ValueError(f"Adafactor: beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        eps1, eps2 = group["eps"]
        if eps1 is not None:
            v.non_negative("Adafactor", "epsilon1 value", eps1)
        v.non_negative("Adafactor", "epsilon2 value", eps2)
        if not 1.0 <= v.real("Adafactor", "d", group["d"]):
            raise ValueError(f"Adafactor: Clipping threshold d should be >= 1 but is: {group['d']}")
        v.non_negative("Adafactor", "weight_decay value", group["weight_decay"])

    def _update(self, p, grad, state, group) -> None:
        lr, wd, d = float(group["lr"]), float(group["weight_decay"]), float(group["d"])
        eps1, eps2 = group["eps"]
        eps1 = nr.finfo(p.dtype).eps if eps1 is None else float(eps1)
        factored = grad.ndim > 1
        if not state:
            state["step"] = 0.0
            if factored:
                state["row_var"] = nr.zeros(grad.shape[:-1] + (1,), dtype=grad.dtype, device=grad.device)
                state["col_var"] = nr.zeros(grad.shape[:-2] + (1,) + grad.shape[-1:], dtype=grad.dtype,
                                            device=grad.device)
            else:
                state["variance"] = nr.zeros_like(grad)
        state["step"] += 1.0
        step = state["step"]
        g = -grad if group["maximize"] else grad
        one_minus_beta2 = step ** float(group["beta2_decay"])
        rho = min(lr, 1.0 / step ** 0.5)
        alpha = max(float(eps2), float(norm(p)) / p.size ** 0.5) * rho
        if wd != 0:
            p *= 1.0 - lr * wd
        g2 = g * g
        if factored:
            state["row_var"] = row = lerp(state["row_var"], nr.mean(g2, axis=-1, keepdims=True), one_minus_beta2)
            state["col_var"] = col = lerp(state["col_var"], nr.mean(g2, axis=-2, keepdims=True), one_minus_beta2)
            var = nr.matmul(row, col) / nr.clip(nr.mean(row, axis=-2, keepdims=True), eps1, None)
        else:
            state["variance"] = var = lerp(state["variance"], g2, one_minus_beta2)
        update = g / nr.sqrt(nr.clip(var, eps1 * eps1, None))
        denom = max(1.0, float(norm(update)) / (update.size ** 0.5 * d))
        p -= update * (alpha / denom)
