"""Datasets and collate functions that fail in the ways a worker can fail (importable by spawned workers)."""
from __future__ import annotations

import numpy as np
import nr_data as data


class Samples(data.Dataset):
    """Sample i is (float32 [i, i], i); subclasses break one index."""

    def __init__(self, n: int, bad: int) -> None:
        self.n = n
        self.bad = bad

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return np.full(2, i, dtype=np.float32), i


class LocalExceptionSamples(Samples):
    """Raises an exception whose class is defined inside the method, so it cannot be pickled."""

    def __getitem__(self, i):
        if i == self.bad:
            class ShardMissing(Exception):
                pass
            raise ShardMissing(f"shard of sample {i} is missing")
        return super().__getitem__(i)


class LambdaSamples(Samples):
    """Sample ``bad`` carries a lambda (unpicklable)."""

    def __getitem__(self, i):
        x, y = super().__getitem__(i)
        return {"x": x, "y": y, "hook": (lambda: i) if i == self.bad else None}


def _rebuild_only_in_workers():
    if data.get_worker_info() is None:
        raise ValueError("this token cannot be rebuilt in the main process")
    return None


class MainOnlyFails:
    """Pickles in the worker, fails to unpickle in the main process."""

    def __reduce__(self):
        return _rebuild_only_in_workers, ()


class UnloadableSamples(Samples):
    def __getitem__(self, i):
        x, y = super().__getitem__(i)
        return x, (MainOnlyFails() if i == self.bad else y)


def collate_with_lambda(batch):
    """A collate_fn whose batch holds a lambda."""
    return {"x": np.stack([x for x, _ in batch]), "scale": lambda v: 2 * v}
