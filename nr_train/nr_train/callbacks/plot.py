"""Training curves as a PNG (matplotlib, files only): one panel per quantity (loss, then each metric), the
train and validation values of every epoch side by side. Written at the end of fit, or every n epochs."""
from __future__ import annotations

import importlib.util
import os

from .base import Callback

PREFIXES = ("train_", "val_")


class TrainingCurves(Callback):
    def __init__(self, path: str | os.PathLike, title: str | None = None, every_n_epochs: int | None = None,
                 labels: dict[str, str] | None = None) -> None:
        """``labels`` renames the curves in the legend, e.g. ``{"val": "held-out"}``."""
        if importlib.util.find_spec("matplotlib") is None:  # checked here, so a missing extra fails before training
            raise ImportError("TrainingCurves needs matplotlib: pip install 'nr-train[plot]'")
        if every_n_epochs is not None and (not isinstance(every_n_epochs, int) or every_n_epochs < 1):
            raise ValueError(f"TrainingCurves: every_n_epochs must be None or a positive int, got {every_n_epochs!r}")
        self.path, self.title, self.every_n_epochs = os.fspath(path), title, every_n_epochs
        self.labels = {"train": "train", "val": "val", **(labels or {})}

    def on_epoch_end(self, trainer, model) -> None:
        if self.every_n_epochs and (trainer.epoch + 1) % self.every_n_epochs == 0:
            self.write(trainer.history)

    def on_fit_end(self, trainer, model) -> None:
        if trainer.history:
            self.write(trainer.history)

    def write(self, history: dict[str, list[float]]) -> str:
        import matplotlib
        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        quantities = _quantities(history)
        fig, axes = plt.subplots(1, len(quantities), figsize=(5 * len(quantities), 4), squeeze=False)
        for ax, quantity in zip(axes[0], quantities):
            values = []
            for prefix in PREFIXES:
                series = history.get(prefix + quantity)
                if series:
                    ax.plot(range(1, len(series) + 1), series, label=self.labels[prefix[:-1]])
                    values += series
            ax.set(xlabel="epoch", ylabel=quantity, title=quantity)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if quantity != "loss" and values and 0.0 <= min(values) and max(values) <= 1.0:
                ax.set_ylim(max(0.0, min(values) - 0.05), 1.0)  # a score: keep the first epoch in view
            ax.grid(alpha=0.3)
            ax.legend()
        if self.title:
            fig.suptitle(self.title)
        fig.tight_layout()
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        tmp = self.path + ".tmp.png"
        fig.savefig(tmp, dpi=100)
        plt.close(fig)
        os.replace(tmp, self.path)  # never a half-written file
        return self.path


def _quantities(history: dict) -> list[str]:
    """'loss' first, then the other names that have a train_ or val_ series, in logging order."""
    names = dict.fromkeys(k[len(p):] for k in history for p in PREFIXES if k.startswith(p))
    return sorted(names, key=lambda n: n != "loss")
