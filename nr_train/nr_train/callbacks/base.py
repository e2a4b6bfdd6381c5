"""The callback protocol: a Callback overrides the hooks it needs; the Trainer calls every hook of every callback,
in the order given (checkpointing callbacks last, so that they save the others' state of the same epoch).

Order within ``fit``::

    on_fit_start
    per epoch:  on_epoch_start
                per batch: on_batch_start, (step), on_batch_end
                (validation) on_validation_end
                (scheduler step, epoch metrics in trainer.metrics and trainer.history)
                on_epoch_end
    on_fit_end

``trainer.epoch`` is the epoch in progress (0-based), ``trainer.batch_idx`` the batches done in it (a run resumed
inside an epoch starts there), ``trainer.global_step`` the optimizer steps taken. ``state_dict()`` goes into every
checkpoint and ``load_state_dict`` gets it back when a run resumes.
"""
from __future__ import annotations

from typing import Any


class Callback:
    def on_fit_start(self, trainer, model) -> None:
        """Before the first epoch (and before a resumed run's first batch)."""

    def on_epoch_start(self, trainer, model) -> None:
        """Before an epoch's first batch, also when a run resumes inside that epoch."""

    def on_batch_start(self, trainer, model, batch, batch_idx: int) -> None:
        """Before a training batch."""

    def on_batch_end(self, trainer, model, outputs: dict, batch, batch_idx: int) -> None:
        """After a training batch; ``outputs["loss"]`` is its (detached) loss array."""

    def on_validation_end(self, trainer, model, metrics: dict[str, float]) -> None:
        """After validation (in ``fit`` and ``validate``), with its ``val_*`` values."""

    def on_epoch_end(self, trainer, model) -> None:
        """After validation and the scheduler step; ``trainer.metrics`` holds the epoch's values."""

    def on_fit_end(self, trainer, model) -> None:
        """After the last epoch (also after an early stop); not after an interruption."""

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs to behave as if never stopped (plain values and arrays)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s result."""


def monitor_mode(monitor: str, mode: str, where: str) -> None:
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"{where}: monitor must be a metric name such as 'val_loss', got {monitor!r}")
    if mode not in ("min", "max"):
        raise ValueError(f"{where}: mode must be 'min' or 'max', got {mode!r}")


def monitored(trainer, monitor: str, where: str) -> float:
    """The value of ``monitor`` this epoch; a name the run does not log is an error naming the ones it does."""
    if monitor not in trainer.metrics:
        raise KeyError(f"{where}: monitor {monitor!r} is not among the logged metrics "
                       f"{sorted(trainer.metrics)}; pass a validation loader or monitor a train_* metric")
    return trainer.metrics[monitor]
