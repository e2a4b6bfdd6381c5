"""TensorBoard event files through tensorboardX (no TensorFlow): every logged value as a scalar at the global
step. A resumed run purges the events its predecessor wrote after the checkpoint (``purge_step``)."""
from __future__ import annotations

import importlib.util
import os
import time

from .logger import Logger


class TensorBoardLogger(Logger):
    def __init__(self, log_dir: str | os.PathLike, log_every_n_steps: int | None = None) -> None:
        if importlib.util.find_spec("tensorboardX") is None:  # checked here, so a missing extra fails before training
            raise ImportError("TensorBoardLogger needs tensorboardX: pip install 'nr-train[tensorboard]'")
        super().__init__(log_every_n_steps)
        self.log_dir = os.fspath(log_dir)
        self.writer = None

    def on_fit_start(self, trainer, model) -> None:
        purge = trainer.global_step + 1 if trainer.global_step else None  # a resumed run rewrites what followed
        self.writer = _writer(self.log_dir, purge)

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        if self.writer is None:  # outside fit (validate/test called on their own)
            self.writer = _writer(self.log_dir, None)
        for name, value in metrics.items():
            self.writer.add_scalar(name, float(value), step)

    def on_epoch_end(self, trainer, model) -> None:
        super().on_epoch_end(trainer, model)
        self.writer.flush()

    def on_fit_end(self, trainer, model) -> None:
        self.close()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _writer(log_dir: str, purge_step: int | None):
    from tensorboardX import SummaryWriter
    # event files are named by the second they were opened in; the suffix keeps a run restarted within the same
    # second from overwriting its predecessor's file, and sorts after it (readers replay files in name order)
    return SummaryWriter(log_dir, purge_step=purge_step, filename_suffix=f".{time.time_ns()}")
