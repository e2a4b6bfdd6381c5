"""Accuracy, top-k: the fraction of samples whose target is among the k highest scores."""
from __future__ import annotations

import nr_core as nr

from ._labels import check_num_classes, predicted_labels, target_labels
from .base import Metric, acc_float, as_array


class Accuracy(Metric):
    """``preds``: (N, C) scores, (N,) labels, or (N,) probabilities of class 1 (binary, ``>= threshold``).

    ``num_classes`` may be None with (N, C) scores (C is read from them). Ties among scores go to the lower class
    index, as ``argmax`` does (``top_k=1`` equals ``accuracy_score`` of the argmax).
    """

    _config = ("num_classes", "top_k", "threshold")

    def __init__(self, num_classes: int | None = None, top_k: int = 1, threshold: float = 0.5) -> None:
        check_num_classes(num_classes, "Accuracy", allow_none=True)
        if not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"Accuracy: top_k must be a positive int, got {top_k!r}")
        if num_classes is not None and top_k > num_classes:
            raise ValueError(f"Accuracy: top_k={top_k} exceeds num_classes={num_classes}")
        self.num_classes, self.top_k, self.threshold = num_classes, top_k, float(threshold)
        super().__init__()

    def update(self, preds, target) -> None:
        preds = as_array(preds, "preds", "Accuracy.update")
        classes = self.num_classes
        if classes is None:
            if preds.ndim != 2:
                raise ValueError(f"Accuracy.update: without num_classes, preds must be (N, C) scores, "
                                 f"got shape {preds.shape}")
            classes = preds.shape[1]
        n = preds.shape[0]
        target = target_labels(target, n, classes, "Accuracy.update")
        if self.top_k == 1:
            hits = predicted_labels(preds, classes, "Accuracy.update", self.threshold) == target
        else:
            hits = self._in_top_k(preds, target, classes)
        correct = nr.sum(nr.astype(hits, nr.int64))
        if self._state is None:
            self._state = {"correct": correct, "total": nr.asarray(n, dtype=nr.int64, device=preds.device)}
        else:
            self._state = {"correct": self._state["correct"] + correct, "total": self._state["total"] + n}

    def _in_top_k(self, preds, target, classes: int):
        if preds.ndim != 2 or preds.shape[1] < self.top_k:
            raise ValueError(f"Accuracy.update: top_k={self.top_k} needs (N, C) scores with C >= {self.top_k}, "
                             f"got shape {preds.shape}")
        # the target's rank: classes scoring higher, plus tied classes of lower index (argmax's order)
        own = nr.take_along_axis(preds, target[:, None], axis=1)
        lower = nr.arange(classes, device=preds.device)[None, :] < target[:, None]
        rank = nr.sum(nr.astype((preds > own) | ((preds == own) & lower), nr.int64), axis=1)
        return rank < self.top_k

    def compute(self):
        state = self._require_state()
        dtype = acc_float(state["total"].device)
        return nr.astype(state["correct"], dtype) / nr.astype(state["total"], dtype)
