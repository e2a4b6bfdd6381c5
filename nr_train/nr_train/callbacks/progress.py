"""A tqdm bar per epoch with the running training loss and metrics (refreshed at tqdm's pace, so reading them
costs one device sync per redraw, not per batch) and the epoch's validation values at its end."""
from __future__ import annotations

import time

from .base import Callback


class ProgressBar(Callback):
    def __init__(self) -> None:
        self.bar = None
        self._shown = 0.0

    def on_epoch_start(self, trainer, model) -> None:
        from tqdm import tqdm
        total = len(trainer.train_loader) if hasattr(trainer.train_loader, "__len__") else None
        self.bar = tqdm(total=total, initial=trainer.batch_idx, unit="batch", leave=True, dynamic_ncols=True,
                        desc=f"epoch {trainer.epoch + 1:2d}/{trainer.max_epochs}")
        self._shown = 0.0

    def on_batch_end(self, trainer, model, outputs, batch, batch_idx) -> None:
        self.bar.update(1)
        now = time.monotonic()
        if now - self._shown >= self.bar.mininterval:
            self._shown = now
            self.bar.set_postfix(_short(trainer.running_values()), refresh=False)

    def on_epoch_end(self, trainer, model) -> None:
        shown = {k: v for k, v in trainer.metrics.items() if k.startswith(("train_", "val_"))}
        self.bar.set_postfix(_short(shown), refresh=True)
        self.bar.close()


def _short(values: dict[str, float]) -> dict[str, str]:
    return {k.removeprefix("train_"): f"{v:.3f}" for k, v in values.items()}
