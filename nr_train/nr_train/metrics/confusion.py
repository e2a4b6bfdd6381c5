"""ConfusionMatrix, Precision, Recall and F1Score: one (C, C) count matrix per instance, rows the true class and
columns the predicted one, as scikit-learn's ``confusion_matrix``; the scores follow its ``zero_division=0``."""
from __future__ import annotations

import nr_core as nr

from ._labels import check_num_classes, one_hot, predicted_labels, target_labels
from .base import Metric, acc_float, as_array, safe_divide

AVERAGES = ("micro", "macro", "weighted", None)


class _Confusion(Metric):
    _config = ("num_classes", "threshold")

    def __init__(self, num_classes: int, threshold: float = 0.5) -> None:
        check_num_classes(num_classes, self.name)
        self.num_classes, self.threshold = num_classes, float(threshold)
        super().__init__()

    def update(self, preds, target) -> None:
        where = f"{self.name}.update"
        preds = as_array(preds, "preds", where)
        labels = predicted_labels(preds, self.num_classes, where, self.threshold)
        target = target_labels(target, preds.shape[0], self.num_classes, where)
        # counts as one matmul of one-hot matrices: exact in float32 for batches below 2**24 samples
        counts = nr.matmul(one_hot(target, self.num_classes, nr.float32).mT,
                           one_hot(labels, self.num_classes, nr.float32))
        counts = nr.astype(counts, nr.int64)
        self._state = {"matrix": counts if self._state is None else self._state["matrix"] + counts}

    def _counts(self):
        """(true positives, predicted counts, support) per class, in the accumulation float dtype."""
        matrix = self._require_state()["matrix"]
        m = nr.astype(matrix, acc_float(matrix.device))
        return nr.linalg.diagonal(m), nr.sum(m, axis=0), nr.sum(m, axis=1)


class ConfusionMatrix(_Confusion):
    """``compute()``: the (C, C) int64 counts, or with ``normalize`` ("true", "pred", "all") the fractions of each
    row, column, or of the whole."""

    _config = ("num_classes", "threshold", "normalize")

    def __init__(self, num_classes: int, normalize: str | None = None, threshold: float = 0.5) -> None:
        if normalize not in (None, "true", "pred", "all"):
            raise ValueError(f"ConfusionMatrix: normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
        self.normalize = normalize
        super().__init__(num_classes, threshold)

    def compute(self):
        matrix = self._require_state()["matrix"]
        if self.normalize is None:
            return matrix
        m = nr.astype(matrix, acc_float(matrix.device))
        total = {"true": nr.sum(m, axis=1, keepdims=True), "pred": nr.sum(m, axis=0, keepdims=True),
                 "all": nr.sum(m)}[self.normalize]
        return safe_divide(m, total * nr.ones_like(m))


class _Score(_Confusion):
    """A per-class score from the confusion counts, averaged: "micro" (over all samples), "macro" (mean over
    classes), "weighted" (by support), or None (one value per class). Subclasses give ``_ratio(tp, predicted,
    support)``: the score's numerator and denominator per class."""

    _config = ("num_classes", "threshold", "average")

    def __init__(self, num_classes: int, average: str | None = "macro", threshold: float = 0.5) -> None:
        if average not in AVERAGES:
            raise ValueError(f"{type(self).__name__}: average must be one of {AVERAGES}, got {average!r}")
        self.average = average
        super().__init__(num_classes, threshold)

    def compute(self):
        tp, predicted, support = self._counts()
        num, den = self._ratio(tp, predicted, support)
        if self.average == "micro":
            return safe_divide(nr.sum(num), nr.sum(den))
        per_class = safe_divide(num, den)
        if self.average is None:
            return per_class
        if self.average == "macro":
            return nr.mean(per_class)
        return safe_divide(nr.sum(per_class * support), nr.sum(support))


class Precision(_Score):
    def _ratio(self, tp, predicted, support):
        return tp, predicted


class Recall(_Score):
    def _ratio(self, tp, predicted, support):
        return tp, support


class F1Score(_Score):
    def _ratio(self, tp, predicted, support):
        return 2 * tp, predicted + support  # 2PR/(P+R) without the 0/0 of P and R
