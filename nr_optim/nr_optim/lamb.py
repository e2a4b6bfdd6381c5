"""LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning"): Adam's direction scaled per tensor
by the trust ratio ``||p|| / ||r||``.

Update for each parameter tensor (bias correction on by default, as in NVIDIA apex's and timm's LAMB; no
gradient-norm pre-clipping, no clamp of the trust ratio)::

    m = b1 m + (1 - b1) g                 v = b2 v + (1 - b2) g^2
    r = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + weight_decay * p
    trust = ||p|| / ||r||  if ||p|| > 0 and ||r|| > 0, else 1
    p -= lr * trust * r

The trust ratio stays a 0-d array on the parameter's device, so a step never syncs with the host.
"""
from __future__ import annotations

from typing import Any, Iterable

import nr_core as nr

from . import _validate as v
from ._ops import direction, ema_sq, norm
from .optimizer import Optimizer


class LAMB(Optimizer):
    """Layer-wise adaptive moments for large batches; see the module docstring for the exact formula."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-6, weight_decay: float = 0, *, bias_correction: bool = True,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        bias_correction=bias_correction, foreach=foreach, maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        v.common("LAMB", group)
        v.betas("LAMB", group["betas"])

    def _update(self, p, grad, state, group) -> None:
        lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        b1, b2 = float(group["betas"][0]), float(group["betas"][1])
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = nr.zeros_like(p)
            state["exp_avg_sq"] = nr.zeros_like(p)
        state["step"] += 1.0
        step = state["step"]
        g = direction(p, grad, group["maximize"], 0.0)
        state["exp_avg"] = m = state["exp_avg"] * b1 + g * (1.0 - b1)
        state["exp_avg_sq"] = s = ema_sq(state["exp_avg_sq"], g, b2)
        bc1, bc2 = (1.0 - b1 ** step, 1.0 - b2 ** step) if group["bias_correction"] else (1.0, 1.0)
        r = (m / bc1) / (nr.sqrt(s / bc2) + eps)
        if wd != 0:
            r = r + p * wd
        w_norm, r_norm = norm(p), norm(r)
        trust = nr.where(nr.logical_and(w_norm > 0, r_norm > 0), w_norm / r_norm, nr.ones_like(w_norm))
        p -= r * (trust * lr)
