"""Callbacks and loggers of the Trainer (the protocol is in ``base.py``)."""
from .base import Callback
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .logger import Logger
from .lr_monitor import LearningRateMonitor
from .model_checkpoint import ModelCheckpoint
from .plot import TrainingCurves
from .progress import ProgressBar
from .tensorboard import TensorBoardLogger

__all__ = ["Callback", "Logger", "EarlyStopping", "ModelCheckpoint", "LearningRateMonitor", "CSVLogger",
           "TensorBoardLogger", "TrainingCurves", "ProgressBar"]
