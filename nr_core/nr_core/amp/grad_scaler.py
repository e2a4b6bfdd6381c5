"""``GradScaler``: loss scaling for float16 training with PyTorch's semantics (dynamic scale, skipped steps on
inf/NaN gradients, growth after ``growth_interval`` clean steps), and the check that gradient clipping calls
before it touches gradients that are still scaled."""
from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from .. import dtypes as _d
from ..grad_mode import no_grad
from ..array_object import Tensor

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"
_SCALERS: "weakref.WeakSet[GradScaler]" = weakref.WeakSet()  # live scalers, for ``check_unscaled``


def _f32(x: float) -> float:
    return float(np.float32(x))  # the scale is a float32 value, as PyTorch keeps it


class GradScaler:
    """Scale the loss so float16 gradients do not underflow; unscale before the optimizer steps.

    ``scaler.scale(loss).backward(); scaler.unscale_(opt)`` (optional, before clipping);
    ``scaler.step(opt)`` (skips the step when a gradient is inf/NaN, returns whether it stepped);
    ``scaler.update()`` (backs the scale off after a skipped step, grows it after ``growth_interval`` good ones).
    """

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if not init_scale > 0 or not math.isfinite(init_scale):
            raise ValueError(f"GradScaler: init_scale must be a positive finite number, got {init_scale!r}")
        if not growth_factor > 1.0:
            raise ValueError(f"GradScaler: growth_factor must be > 1, got {growth_factor!r}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: backoff_factor must be in (0, 1), got {backoff_factor!r}")
        if not isinstance(growth_interval, int) or isinstance(growth_interval, bool) or growth_interval < 1:
            raise ValueError(f"GradScaler: growth_interval must be a positive int, got {growth_interval!r}")
        self._enabled = bool(enabled)
        self._scale = _f32(init_scale)
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}
        self._scaled = False  # scale() was called since the last update(): gradients may be scaled
        self._unscaled_params: set[int] = set()
        _SCALERS.add(self)

    # -- the training step ---------------------------------------------------------------------------
    def scale(self, outputs):
        """``outputs`` (an array, or a list/tuple of them, nested) multiplied by the current scale. 16-bit
        outputs give float32 products (the scale is a float32 array), so a float16 loss cannot overflow here."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            if outputs._dtype.kind != "float":
                raise TypeError(f"GradScaler.scale: expected a floating array, got {outputs._dtype.name}")
            self._scaled = True
            import nr_core as nr
            return outputs * nr.asarray(self._scale, dtype=_d.float32, device=outputs.device)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise TypeError(f"GradScaler.scale: expected an nr array or a list/tuple of them, got "
                        f"{type(outputs).__name__}")

    def _state(self, optimizer) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def unscale_(self, optimizer) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and note whether any is inf/NaN
        (once per step: call it before clipping, then ``step``)."""
        if not self._enabled:
            return
        st = self._state(optimizer)
        if st["stage"] == _UNSCALED:
            raise RuntimeError("GradScaler.unscale_: already called on this optimizer since the last update()")
        if st["stage"] == _STEPPED:
            raise RuntimeError("GradScaler.unscale_: called after step(); call update() first")
        import nr_core as nr
        inv = _f32(1.0 / self._scale)  # the reciprocal in double, then float32, as PyTorch computes it
        flags = []
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if g._dtype is _d.float16:
                        raise ValueError(f"GradScaler.unscale_: a parameter {p.shape} has a float16 gradient; keep "
                                         "float32 master weights (autocast casts them per op) and scale those")
                    flags.append(nr.any(nr.logical_not(nr.isfinite(g))))
                    g.copy_(g * inv)
                    self._unscaled_params.add(id(p))
        st["found_inf"] = bool(nr.any(nr.stack(flags))) if flags else False
        st["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs) -> bool:
        """``optimizer.step()`` unless a gradient is inf/NaN (unscaling first if ``unscale_`` was not called);
        returns whether it stepped."""
        if not self._enabled:
            optimizer.step(*args, **kwargs)
            return True
        if "closure" in kwargs:
            raise RuntimeError("GradScaler.step: closures are not supported (the loss must be scaled before the "
                               "gradients are computed)")
        st = self._state(optimizer)
        if st["stage"] == _STEPPED:
            raise RuntimeError("GradScaler.step: already called on this optimizer since the last update()")
        if st["stage"] == _READY:
            self.unscale_(optimizer)
        st["stage"] = _STEPPED
        if st["found_inf"]:
            return False
        optimizer.step(*args, **kwargs)
        return True

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Set the next scale: ``new_scale`` if given, else back off after a skipped step or grow after
        ``growth_interval`` clean ones (a growth to inf is not taken)."""
        if not self._enabled:
            return
        if new_scale is not None:
            value = float(new_scale)
            if not value > 0 or not math.isfinite(value):
                raise ValueError(f"GradScaler.update: new_scale must be a positive finite number, got {value!r}")
            self._scale = _f32(value)
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise RuntimeError("GradScaler.update: no inf checks were recorded before update(); call "
                                   "unscale_() or step() first")
            if any(found):
                self._scale = _f32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = _f32(self._scale * self._growth_factor)
                    if math.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer.clear()
        self._scaled = False
        self._unscaled_params.clear()

    # -- inspection and checkpoints ------------------------------------------------------------------
    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def is_enabled(self) -> bool:
        return self._enabled

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, value: float) -> None:
        self._growth_factor = float(value)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, value: float) -> None:
        self._backoff_factor = float(value)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, value: int) -> None:
        self._growth_interval = int(value)

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("GradScaler.load_state_dict: the state dict is empty (saved from a disabled "
                               "GradScaler?)")
        missing = {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"} - set(state_dict)
        if missing:
            raise KeyError(f"GradScaler.load_state_dict: missing keys {sorted(missing)}")
        self._scale = _f32(float(state_dict["scale"]))
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def check_unscaled(parameters, fn: str) -> None:
    """Raise when a GradScaler has scaled a loss since its last update and has not unscaled these parameters'
    gradients yet (``fn`` is the caller, e.g. ``clip_grad_norm_``): clipping scaled gradients clips nothing."""
    for scaler in list(_SCALERS):
        if not scaler._enabled or not scaler._scaled:
            continue
        pending = [p for p in parameters if p.grad is not None and id(p) not in scaler._unscaled_params]
        if pending:
            raise RuntimeError(f"{fn}: the gradients of {len(pending)} parameter(s) (first {pending[0].shape}) are "
                               f"still multiplied by a GradScaler's scale ({scaler._scale:g}); call "
                               "scaler.unscale_(optimizer) before clipping")
