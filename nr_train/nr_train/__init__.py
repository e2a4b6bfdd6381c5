"""nr_train: a training loop to read in one sitting: Trainer, callbacks, metrics, exact resume, logging."""
from . import metrics
from ._version import __version__
from .callbacks import (Callback, CSVLogger, EarlyStopping, LearningRateMonitor, Logger, ModelCheckpoint,
                        ProgressBar, TensorBoardLogger, TrainingCurves)
from .checkpoint import load_checkpoint, save_checkpoint
from .trainer import Trainer

__all__ = ["Trainer", "Callback", "Logger", "EarlyStopping", "ModelCheckpoint", "LearningRateMonitor", "CSVLogger",
           "TensorBoardLogger", "TrainingCurves", "ProgressBar", "metrics", "save_checkpoint", "load_checkpoint",
           "__version__"]
