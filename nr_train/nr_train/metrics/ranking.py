"""AUROC and AveragePrecision, binary or one-vs-rest per class.

``thresholds=T`` (the default, 200) keeps, per class, how many positives and negatives score at or above each of
T thresholds evenly spaced over [0, 1]: memory independent of the number of samples (the lesson of torchmetrics'
AUROC, which kept every prediction). ``thresholds=None`` keeps every score and computes the exact values of
scikit-learn's ``roc_auc_score`` and ``average_precision_score`` (ties included).
"""
from __future__ import annotations

import warnings

import numpy as np

import nr_core as nr

from ._labels import check_num_classes, one_hot, target_labels
from .base import Metric, acc_float, as_array, safe_divide


class _Ranking(Metric):
    _config = ("num_classes", "thresholds", "average")

    def __init__(self, num_classes: int | None = None, thresholds=200, average: str | None = "macro") -> None:
        check_num_classes(num_classes, self.name, allow_none=True)
        if average not in ("macro", "weighted", None):
            raise ValueError(f"{self.name}: average must be 'macro', 'weighted' or None, got {average!r}")
        self.num_classes, self.average = num_classes, average
        self.thresholds = _check_thresholds(thresholds, self.name)
        self._grid: dict = {}  # (device, dtype) -> thresholds array
        super().__init__()

    # -- update ---------------------------------------------------------------------------------------------
    def _columns(self, preds, target):
        """(scores, hits): (N, K) scores and 0/1 int64 hits, K = 1 for binary input, else num_classes."""
        where = f"{self.name}.update"
        preds = as_array(preds, "preds", where)
        if not nr.isdtype(preds.dtype, "real floating"):
            raise TypeError(f"{where}: preds must be floating scores, got {preds.dtype}")
        if self.num_classes is None:
            if preds.ndim != 1:
                raise ValueError(f"{where}: binary input (num_classes=None) takes (N,) scores of class 1, got "
                                 f"shape {preds.shape}; pass num_classes for (N, C) scores")
            target = target_labels(target, preds.shape[0], 2, where)
            return preds[:, None], target[:, None]
        if preds.ndim != 2 or preds.shape[1] != self.num_classes:
            raise ValueError(f"{where}: preds must have shape (N, {self.num_classes}), got {preds.shape}")
        target = target_labels(target, preds.shape[0], self.num_classes, where)
        return preds, one_hot(target, self.num_classes, nr.int64)

    def update(self, preds, target) -> None:
        scores, hits = self._columns(preds, target)
        if self.thresholds is None:
            if self._state is None:
                self._state = {"scores": [], "hits": []}
            self._state["scores"].append(scores)
            self._state["hits"].append(hits)
            return
        if not bool(nr.all((scores >= 0) & (scores <= 1))):
            raise ValueError(f"{self.name}.update: binned thresholds need probabilities in [0, 1] (apply "
                             "sigmoid or softmax), or use thresholds=None for any scores")
        counts = self._binned_counts(scores, hits)
        self._state = counts if self._state is None else self._merge_states(self._state, counts)

    def _binned_counts(self, scores, hits) -> dict:
        """Positives and negatives at or above each threshold, from one sort per column and a search."""
        n = scores.shape[0]
        grid = self._grid_for(scores)
        order = nr.argsort(scores, axis=0)
        ranked = nr.take_along_axis(scores, order, axis=0)
        below = nr.cumulative_sum(nr.take_along_axis(hits, order, axis=0), axis=0, include_initial=True)
        at = nr.stack([nr.searchsorted(ranked[:, k], grid) for k in range(scores.shape[1])])  # (K, T): # < t
        pos_below = nr.take_along_axis(below.mT, at, axis=1)
        pos = below[-1]
        tp = pos[:, None] - pos_below
        fp = (n - pos)[:, None] - (at - pos_below)
        return {"tp": tp, "fp": fp, "pos": pos, "n": nr.asarray(n, dtype=nr.int64, device=scores.device)}

    def _grid_for(self, scores):
        key = (scores.device, scores.dtype)
        grid = self._grid.get(key)
        if grid is None:
            values = np.linspace(0.0, 1.0, self.thresholds) if isinstance(self.thresholds, int) else self.thresholds
            grid = self._grid[key] = nr.asarray(np.asarray(values), dtype=scores.dtype, device=scores.device)
        return grid

    # -- state ------------------------------------------------------------------------------------------------
    def _merge_states(self, a: dict, b: dict) -> dict:
        if self.thresholds is None:
            return {"scores": a["scores"] + b["scores"], "hits": a["hits"] + b["hits"]}
        return super()._merge_states(a, b)

    def _copy_state(self, state: dict) -> dict:
        return {k: list(v) if isinstance(v, list) else v for k, v in state.items()}  # never share the lists

    def state_dict(self) -> dict:
        if self.thresholds is None and self._state is not None:
            return {k: nr.concat(v, axis=0) for k, v in self._state.items()}
        return super().state_dict()

    def load_state_dict(self, state: dict) -> None:
        if self.thresholds is None and state:
            self._state = {k: [v] for k, v in state.items()}
        else:
            super().load_state_dict(state)

    # -- compute ----------------------------------------------------------------------------------------------
    def compute(self):
        state = self._require_state()
        if self.thresholds is None:
            scores, hits = nr.concat(state["scores"], axis=0), nr.concat(state["hits"], axis=0)
            dtype = acc_float(scores.device)
            n = scores.shape[0]
            pos = nr.sum(nr.astype(hits, dtype), axis=0)
            values = nr.stack([self._exact(scores[:, k], nr.astype(hits[:, k], dtype), pos[k], n)
                               for k in range(scores.shape[1])])
        else:
            dtype = acc_float(state["tp"].device)
            pos = nr.astype(state["pos"], dtype)
            n = nr.astype(state["n"], dtype)
            values = self._binned(nr.astype(state["tp"], dtype), nr.astype(state["fp"], dtype), pos, n)
        values = self._undefined(values, pos, n)
        if self.num_classes is None:
            return values[0]
        if self.average is None:
            return values
        if self.average == "macro":
            return nr.mean(values)
        weighted = nr.where(pos > 0, values * pos, nr.zeros_like(values))
        return safe_divide(nr.sum(weighted), nr.sum(pos))

    @staticmethod
    def _ranks(scores, hits):
        """Sorted scores and hits, and for each sample the count of scores below it and at most it."""
        order = nr.argsort(scores)
        ranked, hits = nr.take(scores, order), nr.take(hits, order)
        return hits, nr.searchsorted(ranked, ranked, side="left"), nr.searchsorted(ranked, ranked, side="right")


class AUROC(_Ranking):
    """Area under the ROC curve. A class without positives or without negatives has none: nan with a warning, as
    in scikit-learn (the "weighted" average leaves out classes without samples)."""

    def _exact(self, scores, hits, pos, n):
        # Mann-Whitney: each positive counts the negatives below it, and half of those tied with it
        hits, left, right = self._ranks(scores, hits)
        negatives = nr.cumulative_sum(1 - hits, include_initial=True)
        below = nr.take(negatives, left)
        tied = nr.take(negatives, right) - below
        return safe_divide(nr.sum(hits * (below + tied / 2)), pos * (n - pos))

    def _binned(self, tp, fp, pos, n):
        # the ROC points of the thresholds, closed by (1, 1) below the first and (0, 0) above the last
        one, zero = _ends(tp)
        tpr = nr.concat([one, safe_divide(tp, pos[:, None] * nr.ones_like(tp)), zero], axis=1)
        fpr = nr.concat([one, safe_divide(fp, (n - pos)[:, None] * nr.ones_like(fp)), zero], axis=1)
        return nr.sum((fpr[:, :-1] - fpr[:, 1:]) * (tpr[:, :-1] + tpr[:, 1:]) / 2, axis=1)

    def _undefined(self, values, pos, n):
        undefined = (pos == 0) | (pos == n)
        if bool(nr.any(undefined)):
            bad = [k for k, p in enumerate(pos.tolist()) if p in (0.0, float(n))]
            warnings.warn(f"AUROC.compute: class {bad if self.num_classes else 1} has only positive or only "
                          "negative samples; its ROC AUC is not defined: nan (as in scikit-learn)", UserWarning,
                          stacklevel=3)
            values = nr.where(undefined, nr.full_like(values, float("nan")), values)
        return values


class AveragePrecision(_Ranking):
    """Area under the precision-recall curve, scikit-learn's step sum ``sum((R_n - R_{n-1}) P_n)``. A class
    without positives gets 0.0 with a warning, as in scikit-learn."""

    def _exact(self, scores, hits, pos, n):
        # each positive adds the precision at its own score (the samples scoring at least as high)
        hits, left, _ = self._ranks(scores, hits)
        positives = nr.cumulative_sum(hits, include_initial=True)
        tp_at_or_above = pos - nr.take(positives, left)
        at_or_above = nr.astype(n - left, hits.dtype)
        return safe_divide(nr.sum(hits * tp_at_or_above / at_or_above), pos)

    def _binned(self, tp, fp, pos, n):
        # recall falls from 1 (below the first threshold, precision pos/n) to 0 (above the last, precision 1)
        one, zero = _ends(tp)
        predicted = tp + fp
        precision = nr.where(predicted > 0, safe_divide(tp, predicted), nr.ones_like(tp))
        recall = nr.concat([one, safe_divide(tp, pos[:, None] * nr.ones_like(tp)), zero], axis=1)
        precision = nr.concat([(pos / n)[:, None], precision, one], axis=1)
        return nr.sum((recall[:, :-1] - recall[:, 1:]) * precision[:, :-1], axis=1)

    def _undefined(self, values, pos, n):
        if bool(nr.any(pos == 0)):
            warnings.warn("AveragePrecision.compute: a class has no positive sample; its average precision is "
                          "0.0 (as in scikit-learn)", UserWarning, stacklevel=3)
            values = nr.where(pos == 0, nr.zeros_like(values), values)
        return values


def _ends(like):
    """(K, 1) columns of ones and zeros: the curve's points below the first and above the last threshold."""
    shape = (like.shape[0], 1)
    return nr.ones(shape, dtype=like.dtype, device=like.device), nr.zeros(shape, dtype=like.dtype, device=like.device)


def _check_thresholds(thresholds, where: str):
    """None (exact), an int >= 2 (evenly spaced over [0, 1]), or increasing values (kept as a tuple)."""
    if thresholds is None:
        return None
    if isinstance(thresholds, int) and not isinstance(thresholds, bool):
        if thresholds < 2:
            raise ValueError(f"{where}: thresholds must be >= 2 (or None for exact), got {thresholds}")
        return thresholds
    values = np.asarray(thresholds, dtype=np.float64)
    if values.ndim != 1 or values.size < 2 or not np.all(np.diff(values) > 0):
        raise ValueError(f"{where}: thresholds must be None, an int, or at least two increasing values, "
                         f"got {thresholds!r}")
    return tuple(values.tolist())
