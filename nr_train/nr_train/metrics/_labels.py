"""Checked classification inputs: class labels from scores, probabilities or labels, and integer targets."""
from __future__ import annotations

import nr_core as nr

from .base import as_array


def check_num_classes(num_classes, where: str, allow_none: bool = False) -> None:
    if num_classes is None and allow_none:
        return
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 2:
        raise ValueError(f"{where}: num_classes must be an int >= 2, got {num_classes!r}")


def target_labels(target, n: int, num_classes: int, where: str):
    """``target`` as int64 labels of shape (n,), every value in [0, num_classes)."""
    target = as_array(target, "target", where)
    if target.shape != (n,):
        raise ValueError(f"{where}: target must have shape ({n},) to match preds, got {target.shape}")
    if not nr.isdtype(target.dtype, "integral"):
        raise TypeError(f"{where}: target must hold integer class labels, got {target.dtype}")
    _check_range(target, num_classes, "target", where)
    return nr.astype(target, nr.int64)


def predicted_labels(preds, num_classes: int, where: str, threshold: float = 0.5):
    """Labels from (N, C) scores (argmax, the first of tied maxima), (N,) integer labels, or (N,) probabilities
    of class 1 (binary: ``>= threshold``)."""
    preds = as_array(preds, "preds", where)
    if preds.ndim == 2:
        if preds.shape[1] != num_classes:
            raise ValueError(f"{where}: preds of shape {preds.shape} have {preds.shape[1]} columns, "
                             f"expected num_classes={num_classes}")
        return nr.argmax(preds, axis=1)
    if preds.ndim != 1:
        raise ValueError(f"{where}: preds must be (N, C) scores, (N,) labels or (N,) probabilities, "
                         f"got shape {preds.shape}")
    if nr.isdtype(preds.dtype, "integral"):
        _check_range(preds, num_classes, "preds", where)
        return nr.astype(preds, nr.int64)
    if num_classes != 2:
        raise ValueError(f"{where}: (N,) float preds are binary probabilities, which need num_classes=2, "
                         f"got num_classes={num_classes}; pass (N, C) scores")
    return nr.astype(preds >= threshold, nr.int64)


def _check_range(labels, num_classes: int, what: str, where: str) -> None:
    if labels.shape[0] and bool(nr.any((labels < 0) | (labels >= num_classes))):
        lo, hi = int(nr.min(labels)), int(nr.max(labels))
        raise ValueError(f"{where}: {what} holds labels in [{lo}, {hi}], outside [0, {num_classes})")


def one_hot(labels, num_classes: int, dtype):
    return nr.astype(labels[:, None] == nr.arange(num_classes, device=labels.device)[None, :], dtype)
