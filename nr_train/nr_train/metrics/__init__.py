"""Metrics written in nr ops, so they run on any backend: ``update`` / ``compute`` / ``reset`` / ``merge``."""
from .accuracy import Accuracy
from .base import Metric
from .confusion import ConfusionMatrix, F1Score, Precision, Recall
from .ranking import AUROC, AveragePrecision
from .regression import MeanAbsoluteError, MeanSquaredError, R2Score

__all__ = ["Metric", "Accuracy", "Precision", "Recall", "F1Score", "ConfusionMatrix", "AUROC", "AveragePrecision",
           "MeanSquaredError", "MeanAbsoluteError", "R2Score"]
