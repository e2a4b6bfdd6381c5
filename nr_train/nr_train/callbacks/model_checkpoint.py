"""Save checkpoints at the end of epochs: the ``save_top_k`` best by a monitored metric (or the latest when
nothing is monitored) and, with ``save_last``, ``last.safetensors``, which ``fit(..., ckpt_path="last")`` resumes.

Each file is a whole training state (``Trainer.save_checkpoint``), written atomically.
"""
from __future__ import annotations

import math
import os

from .base import Callback, monitor_mode, monitored

LAST = "last.safetensors"


class ModelCheckpoint(Callback):
    def __init__(self, dirpath: str | os.PathLike, monitor: str | None = None, mode: str = "min",
                 save_top_k: int = 1, save_last: bool = False) -> None:
        if monitor is not None:
            monitor_mode(monitor, mode, "ModelCheckpoint")
        elif mode not in ("min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'min' or 'max', got {mode!r}")
        if not isinstance(save_top_k, int) or save_top_k < -1:
            raise ValueError(f"ModelCheckpoint: save_top_k must be -1 (all), 0 (none) or a positive int, "
                             f"got {save_top_k!r}")
        self.dirpath = os.fspath(dirpath)
        self.monitor, self.mode, self.save_top_k, self.save_last = monitor, mode, save_top_k, bool(save_last)
        self.best_k_models: dict[str, float] = {}  # path -> score (the epoch when nothing is monitored)
        self.best_model_path: str | None = None
        self.best_model_score: float | None = None
        self.last_model_path: str | None = None

    @property
    def last_path(self) -> str:
        return os.path.join(self.dirpath, LAST)

    def on_epoch_end(self, trainer, model) -> None:
        if self.save_top_k != 0:
            self._save_top_k(trainer)
        if self.save_last:
            self.save_last_checkpoint(trainer)

    def save_last_checkpoint(self, trainer) -> str:
        """Write ``last.safetensors`` now (the Trainer also calls it when a signal interrupts the run)."""
        self.last_model_path = self.last_path
        trainer.save_checkpoint(self.last_path)
        return self.last_path

    def _save_top_k(self, trainer) -> None:
        epoch = trainer.epoch + 1
        if self.monitor is None:
            score, name = float(epoch), f"epoch{epoch:03d}.safetensors"
        else:
            score = monitored(trainer, self.monitor, "ModelCheckpoint")
            if math.isnan(score):  # never among the best
                return
            name = f"epoch{epoch:03d}-{self.monitor}={score:.4f}.safetensors"
        ranked = sorted({**self.best_k_models, os.path.join(self.dirpath, name): score}.items(),
                        key=lambda kv: kv[1], reverse=self.monitor is None or self.mode == "max")
        keep = dict(ranked if self.save_top_k == -1 else ranked[:self.save_top_k])
        path = os.path.join(self.dirpath, name)
        if path not in keep:
            return
        dropped = [p for p in self.best_k_models if p not in keep]
        self.best_k_models = keep
        self.best_model_path, self.best_model_score = ranked[0]
        trainer.save_checkpoint(path)  # the new file exists before an old one goes
        for p in dropped:
            if os.path.exists(p):
                os.remove(p)

    def state_dict(self) -> dict:
        return {"best_k_models": dict(self.best_k_models), "best_model_path": self.best_model_path,
                "best_model_score": self.best_model_score, "last_model_path": self.last_model_path}

    def load_state_dict(self, state: dict) -> None:
        self.best_k_models = dict(state["best_k_models"])
        self.best_model_path, self.best_model_score = state["best_model_path"], state["best_model_score"]
        self.last_model_path = state["last_model_path"]
