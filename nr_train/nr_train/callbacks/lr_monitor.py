"""Log the learning rate of each optimizer parameter group at the start of every epoch (``lr``, or ``lr-group{i}``
with several groups), so loggers and the history show the schedule next to the losses."""
from __future__ import annotations

from .base import Callback


class LearningRateMonitor(Callback):
    def on_epoch_start(self, trainer, model) -> None:
        if trainer.batch_idx:  # resumed inside the epoch: its start's rates are in the restored values
            return
        groups = trainer.optimizer.param_groups
        if len(groups) == 1:
            trainer.metrics["lr"] = float(groups[0]["lr"])
        else:
            for i, group in enumerate(groups):
                trainer.metrics[f"lr-group{i}"] = float(group["lr"])
