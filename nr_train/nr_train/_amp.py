"""Mixed precision for the Trainer through nr_core's ``autocast`` and ``amp.GradScaler`` (PyTorch's names),
looked up when the Trainer is built, so a missing piece is reported before any training."""
from __future__ import annotations

import nr_core as nr

# the spellings Trainer(amp=...) accepts, and the dtype name each means
_NAMES = {"bf16": "bfloat16", "bfloat16": "bfloat16", "fp16": "float16", "float16": "float16", "16": "float16"}


class Precision:
    """The autocast context of each step and, for float16, a gradient scaler per fit."""

    def __init__(self, amp) -> None:
        name = _dtype_name(amp)
        version = getattr(nr, "__version__", "?")
        autocast, dtype = getattr(nr, "autocast", None), getattr(nr, name, None)
        if autocast is None or dtype is None:
            missing = "nr.autocast" if autocast is None else f"nr.{name}"
            raise RuntimeError(f"Trainer: amp={amp!r} needs nr_core's mixed precision ({missing} is missing in "
                               f"nr-core {version}); use an nr-core with autocast, or amp=None")
        self._scaler_cls = None
        if name == "float16":  # bfloat16 has float32's range: no loss scaling, as in PyTorch
            self._scaler_cls = getattr(getattr(nr, "amp", None), "GradScaler", None)
            if self._scaler_cls is None:
                raise RuntimeError(f"Trainer: amp={amp!r} needs nr.amp.GradScaler, which nr-core {version} "
                                   "lacks; use amp='bf16' or amp=None")
        self.dtype, self._autocast = dtype, autocast

    def autocast(self, device_kind: str):
        return self._autocast(device_kind, dtype=self.dtype)

    def new_scaler(self):
        return None if self._scaler_cls is None else self._scaler_cls()


def _dtype_name(amp) -> str:
    for name in ("bfloat16", "float16"):  # nr's dtype objects themselves
        if getattr(nr, name, None) is amp:
            return name
    name = _NAMES.get(str(amp).lower()) if isinstance(amp, str) else None
    if name is None:
        raise ValueError(f"Trainer: amp must be None, 'bf16' or 'fp16' (or nr.bfloat16 / nr.float16), got {amp!r}")
    return name
