"""One CSV row per epoch (``epoch``, ``step`` and every logged value), rewritten atomically after each epoch."""
from __future__ import annotations

import csv
import os

from .logger import Logger


class CSVLogger(Logger):
    """Writes ``save_dir/filename``; a resumed run keeps the rows up to its checkpoint, not those logged after it."""

    def __init__(self, save_dir: str | os.PathLike, filename: str = "metrics.csv") -> None:
        super().__init__(None)
        self.path = os.path.join(os.fspath(save_dir), filename)
        self.rows: list[dict] = []

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        self.rows.append({"step": step, **metrics})
        self._write()

    def _write(self) -> None:
        columns: dict[str, None] = {}
        for row in self.rows:
            columns.update(dict.fromkeys(row))
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(columns))
            writer.writeheader()
            writer.writerows(self.rows)
        os.replace(tmp, self.path)

    def state_dict(self) -> dict:
        return {"rows": [dict(r) for r in self.rows]}

    def load_state_dict(self, state: dict) -> None:
        self.rows = [dict(r) for r in state["rows"]]
