"""The running sums of one pass over a loader (a training epoch, a validation): the loss weighted by batch size,
the extra values a ``*_step`` returns, and the metrics; kept on the device, read once per epoch (or per redraw)."""
from __future__ import annotations

import nr_core as nr

from .metrics.base import Metric, acc_float


class Running:
    def __init__(self, metrics: dict[str, Metric]) -> None:
        self.metrics = {name: m.clone() for name, m in metrics.items()}
        self.loss = None
        self.seen = 0
        self.extra: dict = {}

    def add(self, loss, n: int, extra: dict, preds, target) -> None:
        if loss is not None:
            weighted = nr.astype(loss, acc_float(loss.device)) * n
            self.loss = weighted if self.loss is None else self.loss + weighted
        self.seen += n
        for name, value in extra.items():
            weighted = (value.detach() if isinstance(value, nr.Tensor) else float(value)) * n
            self.extra[name] = weighted + self.extra[name] if name in self.extra else weighted
        if preds is not None and target is not None:
            for metric in self.metrics.values():
                metric.update(preds, target)

    def values(self, prefix: str) -> dict[str, float]:
        """``{prefix}_loss``, ``{prefix}_<extra>`` and ``{prefix}_<metric>`` (``_<i>`` per class for vectors)."""
        out: dict[str, float] = {}
        if self.seen and self.loss is not None:
            out[f"{prefix}_loss"] = float(self.loss) / self.seen
        for name, total in self.extra.items():
            out[f"{prefix}_{name}"] = float(total) / self.seen
        for name, metric in self.metrics.items():
            if not metric.empty:
                value = metric.compute()
                if value.ndim == 0:
                    out[f"{prefix}_{name}"] = float(value)
                else:
                    out.update({f"{prefix}_{name}_{i}": v for i, v in enumerate(nr.reshape(value, (-1,)).tolist())})
        return out

    def state_dict(self) -> dict:
        return {"loss": self.loss, "seen": self.seen, "extra": dict(self.extra),
                "metrics": {name: m.state_dict() for name, m in self.metrics.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.loss, self.seen, self.extra = state["loss"], state["seen"], dict(state["extra"])
        for name, metric in self.metrics.items():
            metric.load_state_dict(state["metrics"].get(name, {}))
