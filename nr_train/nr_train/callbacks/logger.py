"""The logger protocol: a callback that receives each epoch's values (``trainer.metrics``, with ``epoch``) at the
global step, and with ``log_every_n_steps`` the training loss of every n-th optimizer step (``train_loss_step``)."""
from __future__ import annotations

import abc

from .base import Callback


class Logger(Callback, abc.ABC):
    def __init__(self, log_every_n_steps: int | None = None) -> None:
        if log_every_n_steps is not None and (not isinstance(log_every_n_steps, int) or log_every_n_steps < 1):
            raise ValueError(f"{type(self).__name__}: log_every_n_steps must be None or a positive int, "
                             f"got {log_every_n_steps!r}")
        self.log_every_n_steps = log_every_n_steps

    @abc.abstractmethod
    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Write ``metrics`` at ``step``."""

    def on_batch_end(self, trainer, model, outputs, batch, batch_idx) -> None:
        n = self.log_every_n_steps
        if n is not None and outputs["stepped"] and trainer.global_step % n == 0:
            self.log_metrics({"train_loss_step": float(outputs["loss"])}, trainer.global_step)

    def on_epoch_end(self, trainer, model) -> None:
        self.log_metrics({"epoch": trainer.epoch + 1, **trainer.metrics}, trainer.global_step)
