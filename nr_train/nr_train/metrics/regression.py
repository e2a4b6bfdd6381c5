"""MeanSquaredError, MeanAbsoluteError and R2Score over (N,) or (N, D) predictions, accumulated in float64 where
the device has it. R2 keeps per-output count, mean and centred sum of squares, combined batch by batch with Chan's
parallel formula, so it is stable over many batches and merges across shards exactly."""
from __future__ import annotations

import nr_core as nr

from .base import Metric, acc_float, as_array


def _pair(preds, target, where: str):
    preds, target = as_array(preds, "preds", where), as_array(target, "target", where)
    if preds.shape != target.shape or preds.ndim not in (1, 2):
        raise ValueError(f"{where}: preds and target must have the same (N,) or (N, D) shape, got {preds.shape} "
                         f"and {target.shape}")
    dtype = acc_float(preds.device)
    return nr.astype(preds, dtype), nr.astype(target, dtype)


class _MeanError(Metric):
    def update(self, preds, target) -> None:
        preds, target = _pair(preds, target, f"{self.name}.update")
        total = nr.sum(self._error(preds - target))
        count = nr.asarray(preds.size, dtype=nr.int64, device=preds.device)
        batch = {"total": total, "count": count}
        self._state = batch if self._state is None else self._merge_states(self._state, batch)

    def compute(self):
        state = self._require_state()
        return state["total"] / nr.astype(state["count"], state["total"].dtype)


class MeanSquaredError(_MeanError):
    @staticmethod
    def _error(diff):
        return diff * diff


class MeanAbsoluteError(_MeanError):
    @staticmethod
    def _error(diff):
        return nr.abs(diff)


class R2Score(Metric):
    """Coefficient of determination, scikit-learn's ``r2_score``: an output whose target is constant scores 1.0
    when predicted exactly and 0.0 otherwise; ``multioutput`` "uniform_average", "variance_weighted" or
    "raw_values"."""

    _config = ("multioutput",)

    def __init__(self, multioutput: str = "uniform_average") -> None:
        if multioutput not in ("uniform_average", "variance_weighted", "raw_values"):
            raise ValueError("R2Score: multioutput must be 'uniform_average', 'variance_weighted' or 'raw_values', "
                             f"got {multioutput!r}")
        self.multioutput = multioutput
        super().__init__()

    def update(self, preds, target) -> None:
        preds, target = _pair(preds, target, "R2Score.update")
        n = target.shape[0]
        if n == 0:
            return
        mean = nr.mean(target, axis=0)
        batch = {"count": nr.asarray(float(n), dtype=target.dtype, device=target.device), "mean": mean,
                 "m2": nr.sum((target - mean) ** 2, axis=0), "sse": nr.sum((target - preds) ** 2, axis=0)}
        self._state = batch if self._state is None else self._merge_states(self._state, batch)

    def _merge_states(self, a: dict, b: dict) -> dict:
        count = a["count"] + b["count"]
        delta = b["mean"] - a["mean"]
        return {"count": count, "mean": a["mean"] + delta * (b["count"] / count),
                "m2": a["m2"] + b["m2"] + delta * delta * (a["count"] * b["count"] / count),
                "sse": a["sse"] + b["sse"]}

    def compute(self):
        state = self._require_state()
        if float(state["count"]) < 2:
            return nr.asarray(float("nan"), dtype=state["m2"].dtype, device=state["m2"].device)
        m2, sse = state["m2"], state["sse"]
        varies = m2 > 0
        score = nr.where(varies, 1 - sse / nr.where(varies, m2, nr.ones_like(m2)),
                         nr.where(sse == 0, nr.ones_like(sse), nr.zeros_like(sse)))
        if self.multioutput == "raw_values":
            return score
        if self.multioutput == "variance_weighted" and bool(nr.any(varies)):
            return nr.sum(score * m2) / nr.sum(m2)
        return nr.mean(score)
