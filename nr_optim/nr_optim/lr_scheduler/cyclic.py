"""Cyclical schedules that also cycle momentum (or Adam's beta1): ``CyclicLR`` and ``OneCycleLR``."""
from __future__ import annotations

import math
import types
from functools import partial
from typing import Any, Callable

from .. import _validate as v
from ..optimizer import Optimizer
from .base import LRScheduler, check_optimizer, format_param


def _set_momentum(optimizer: Optimizer, use_beta1: bool, values) -> None:
    for group, m in zip(optimizer.param_groups, values):
        if use_beta1:
            group["betas"] = (m, *group["betas"][1:])
        else:
            group["momentum"] = m


def _check_momentum(owner: str, optimizer: Optimizer, base_momentum, max_momentum) -> bool:
    """The optimizer has momentum or betas (returns whether betas) and both bounds are in [0, 1] ([0, 1) for
    Adam's beta1)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{owner}: optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    use_beta1 = "betas" in optimizer.defaults
    for label, value in (("max_momentum", max_momentum), ("base_momentum", base_momentum)):
        v.each_in_range(owner, label, value, 0.0, 1.0, high_open=use_beta1)
    return use_beta1


def _init_momentum(scheduler, optimizer: Optimizer, base_momentum, max_momentum, last_epoch: int):
    """On a fresh start put ``max_momentum`` in every group (arguments checked by ``_check_momentum``)."""
    maxs = format_param("max_momentum", optimizer, max_momentum)
    bases = format_param("base_momentum", optimizer, base_momentum)
    if last_epoch == -1:
        _set_momentum(optimizer, scheduler.use_beta1, maxs)
        for group, mx, b in zip(optimizer.param_groups, maxs, bases):
            group["max_momentum"], group["base_momentum"] = mx, b
    return bases, maxs


class CyclicLR(LRScheduler):
    """Learning rate cycling between ``base_lr`` and ``max_lr`` (triangular, triangular2, exp_range or a custom
    ``scale_fn``); momentum cycles inversely between ``max_momentum`` and ``base_momentum``."""

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float], max_lr: float | list[float],
                 step_size_up: int = 2000, step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float = 0.8, max_momentum: float = 0.9,
                 last_epoch: int = -1) -> None:
        # every check before the optimizer's groups change; torch divides by step_size_up=0 at construction
        check_optimizer(optimizer)
        v.integer("CyclicLR", "last_epoch", last_epoch, -1)
        v.each_in_range("CyclicLR", "base_lr", base_lr, 0.0)
        v.each_in_range("CyclicLR", "max_lr", max_lr, 0.0)
        v.in_range("CyclicLR", "step_size_up", step_size_up, 0.0, low_open=True)
        if step_size_down is not None:
            v.in_range("CyclicLR", "step_size_down", step_size_down, 0.0)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode is invalid and scale_fn is None (mode={mode!r}; expected "
                             "'triangular', 'triangular2' or 'exp_range')")
        if scale_fn is not None and scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        if mode == "exp_range":
            v.in_range("CyclicLR", "gamma", gamma, 0.0, low_open=True)
        base_lrs = format_param("base_lr", optimizer, base_lr)
        self.max_lrs = format_param("max_lr", optimizer, max_lr)
        if cycle_momentum:
            self.use_beta1 = _check_momentum("CyclicLR", optimizer, base_momentum, max_momentum)
        self.optimizer = optimizer
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _init_momentum(self, optimizer, base_momentum, max_momentum,
                                                                     last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref, self.scale_mode = self._triangular_scale_fn, "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref, self.scale_mode = self._triangular2_scale_fn, "cycle"
        else:
            self._scale_fn_ref, self.scale_mode = partial(self._exp_range_scale_fn, self.gamma), "iterations"

    def scale_fn(self, x: float) -> float:
        return self._scale_fn_custom(x) if self._scale_fn_custom is not None else self._scale_fn_ref(x)

    @staticmethod
    def _triangular_scale_fn(x: float) -> float:
        return 1.0

    @staticmethod
    def _triangular2_scale_fn(x: float) -> float:
        return 1 / (2.0 ** (x - 1))

    @staticmethod
    def _exp_range_scale_fn(gamma: float, x: float) -> float:
        return gamma ** x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (mx - base) * scale_factor * scale for base, mx in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            moms = [mx - (mx - base) * scale_factor * scale for base, mx in zip(self.base_momentums, self.max_momentums)]
            _set_momentum(self.optimizer, self.use_beta1, moms)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        sd = super().state_dict()
        sd.pop("_scale_fn_ref", None)
        fn = sd.pop("_scale_fn_custom")
        sd["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        fn = state_dict.pop("_scale_fn_custom")
        super().load_state_dict(state_dict)
        if fn is not None:
            self._scale_fn_custom.__dict__.update(fn)
        self._init_scale_fn()


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up from ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of the run, then
    anneal (cosine or linear) to ``initial_lr / final_div_factor``; ``three_phase`` adds a symmetric descent."""

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: float | list = 0.85,
                 max_momentum: float | list = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1) -> None:
        check_optimizer(optimizer)
        v.integer("OneCycleLR", "last_epoch", last_epoch, -1)
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"OneCycleLR: Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"OneCycleLR: Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"OneCycleLR: Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        v.each_in_range("OneCycleLR", "max_lr", max_lr, 0.0)
        v.in_range("OneCycleLR", "div_factor", div_factor, 0.0, low_open=True)  # torch: ZeroDivisionError
        v.in_range("OneCycleLR", "final_div_factor", final_div_factor, 0.0, low_open=True)
        n = self.total_steps
        phases = [(float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum")]
        if three_phase:
            phases += [(float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                       (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            phases += [(n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        ends = [0.0] + [ph[0] for ph in phases]
        if any(a == b for a, b in zip(ends, ends[1:])):  # torch divides by the zero length at that step
            raise ValueError(f"OneCycleLR: pct_start={pct_start} with total_steps={n} gives a phase of zero steps "
                             f"(phases end at steps {ends[1:]}); change pct_start or total_steps")
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases = [dict(zip(keys, ph)) for ph in phases]
        self._anneal_func_type = anneal_strategy
        max_lrs = format_param("max_lr", optimizer, max_lr)
        if cycle_momentum:
            self.use_beta1 = _check_momentum("OneCycleLR", optimizer, base_momentum, max_momentum)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group, mx in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = mx / div_factor
                group["max_lr"] = mx
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _init_momentum(self, optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: Tried to step {step} times. The specified number of total steps is "
                             f"{self.total_steps}")
        lrs, moms = [], []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, ph in enumerate(self._schedule_phases):
                if step <= ph["end_step"] or i == last:
                    pct = (step - start_step) / (ph["end_step"] - start_step)
                    lrs.append(self._anneal(group[ph["start_lr"]], group[ph["end_lr"]], pct))
                    if self.cycle_momentum:
                        moms.append(self._anneal(group[ph["start_momentum"]], group[ph["end_momentum"]], pct))
                    break
                start_step = ph["end_step"]
        if self.cycle_momentum:
            _set_momentum(self.optimizer, self.use_beta1, moms)
        return lrs
