"""The Adam family: Adam (with AMSGrad and decoupled weight decay), AdamW, Adamax, NAdam and RAdam.

Moments are rebuilt as new arrays each step instead of written back into the old ones: every
``x[...] = expr`` costs a copy pass on top of ``expr``, and the optimizer is the only owner of its state.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import nr_core as nr

from . import _multi, _updates
from . import _validate as v
from ._ops import direction, ema_sq, lerp
from .optimizer import Optimizer


class _AdamLike(Optimizer):
    """Shared constructor checks and moment state (``step``, ``exp_avg``, ``exp_avg_sq``) of the family."""

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        v.common(name, group)
        v.betas(name, group["betas"])

    @staticmethod
    def _moments(p, state: dict[str, Any], *zeroed: str, **scalars: float):
        """Advance ``step`` and return it with the moments; the first call creates them (plus ``zeroed``
        arrays and ``scalars``)."""
        if not state:
            state["step"] = 0.0
            state.update(scalars)
            for key in ("exp_avg", "exp_avg_sq") + zeroed:
                state[key] = nr.zeros_like(p)
        state["step"] += 1.0
        return state["step"], state["exp_avg"], state["exp_avg_sq"]


class Adam(_AdamLike):
    """PyTorch's Adam: ``m = lerp(m, g, 1 - b1)``, ``v = b2 v + (1 - b2) g^2``,
    ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``; ``amsgrad`` uses the running max of ``v``,
    ``decoupled_weight_decay`` (AdamW) scales ``p`` by ``1 - lr * weight_decay`` instead of adding to ``g``.
    ``foreach``/``fused``: see ``Optimizer``."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, decoupled_weight_decay: bool = False, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, decoupled_weight_decay=decoupled_weight_decay,
                        fused=fused)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        v.foreach_fused(type(self).__name__, group)

    @staticmethod
    def _options(group: dict[str, Any]) -> dict[str, Any]:
        return dict(lr=float(group["lr"]), beta1=float(group["betas"][0]), beta2=float(group["betas"][1]),
                    eps=float(group["eps"]), weight_decay=float(group["weight_decay"]), maximize=group["maximize"],
                    decoupled=group["decoupled_weight_decay"])

    def _update(self, p, grad, state, group) -> None:
        step, m, s = self._moments(p, state, *(("max_exp_avg_sq",) if group["amsgrad"] else ()))
        _updates.adam(p, grad, m, s, state.get("max_exp_avg_sq"), step, **self._options(group))

    def _multi_update(self, params, group) -> None:
        zeroed = ("max_exp_avg_sq",) if group["amsgrad"] else ()
        states = [self.state[p] for p in params]
        moments = [self._moments(p, st, *zeroed) for p, st in zip(params, states)]
        _multi.adam_update(params, [p.grad for p in params], [m for _, m, _ in moments], [s for _, _, s in moments],
                           [st["max_exp_avg_sq"] for st in states] if zeroed else None,
                           [step for step, _, _ in moments], **self._options(group))


class AdamW(Adam):
    """Adam with decoupled weight decay (default ``weight_decay=1e-2``), as PyTorch's AdamW."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         decoupled_weight_decay=True, fused=fused)


class Adamax(_AdamLike):
    """PyTorch's Adamax: ``u = max(b2 u, |g| + eps)``, ``p -= lr / (1 - b1^t) * m / u``."""

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        b1, b2 = float(group["betas"][0]), float(group["betas"][1])
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = nr.zeros_like(p)
            state["exp_inf"] = nr.zeros_like(p)
        state["step"] += 1.0
        g = direction(p, grad, group["maximize"], float(group["weight_decay"]))
        state["exp_avg"] = m = lerp(state["exp_avg"], g, 1.0 - b1)
        state["exp_inf"] = u = nr.maximum(state["exp_inf"] * b2, nr.abs(g) + eps)
        p -= m / u * (lr / (1.0 - b1 ** state["step"]))


class NAdam(_AdamLike):
    """PyTorch's NAdam (momentum schedule ``mu_t = b1 (1 - 0.5 * 0.96^(t * momentum_decay))``)."""

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        v.non_negative("NAdam", "momentum_decay value", group["momentum_decay"])

    def _update(self, p, grad, state, group) -> None:
        lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        b1, b2, psi = float(group["betas"][0]), float(group["betas"][1]), float(group["momentum_decay"])
        decoupled = group["decoupled_weight_decay"]
        step, m, s = self._moments(p, state, mu_product=1.0)
        g = direction(p, grad, group["maximize"], 0.0 if decoupled else wd)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] = mu_product = state["mu_product"] * mu
        state["exp_avg"] = m = lerp(m, g, 1.0 - b1)
        state["exp_avg_sq"] = s = ema_sq(s, g, b2)
        denom = nr.sqrt(s / (1.0 - b2 ** step)) + eps
        c_grad = lr * (1.0 - mu) / (1.0 - mu_product)
        c_avg = lr * mu_next / (1.0 - mu_product * mu_next)
        update = (g * c_grad + m * c_avg) / denom
        if decoupled and wd != 0:
            p[...] = p * (1.0 - lr * wd) - update
        else:
            p -= update


class RAdam(_AdamLike):
    """PyTorch's RAdam: the adaptive step only once the variance rectification term ``rho_t`` exceeds 5."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group) -> None:
        lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        b1, b2 = float(group["betas"][0]), float(group["betas"][1])
        decoupled = group["decoupled_weight_decay"]
        step, m, s = self._moments(p, state)
        g = direction(p, grad, group["maximize"], 0.0 if decoupled else wd)
        state["exp_avg"] = m = lerp(m, g, 1.0 - b1)
        state["exp_avg_sq"] = s = ema_sq(s, g, b2)
        bc1, bc2 = 1.0 - b1 ** step, 1.0 - b2 ** step
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * step * (b2 ** step) / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            update = m / (nr.sqrt(s) + eps) * (lr / bc1 * math.sqrt(bc2) * rect)
        else:
            update = m * (lr / bc1)
        if decoupled and wd != 0:
            p[...] = p * (1.0 - lr * wd) - update
        else:
            p -= update
