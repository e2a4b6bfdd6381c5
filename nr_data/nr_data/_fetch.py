"""Fetchers: turn one index (or list of indices) from the sampler into a collated batch, remembering which
sample was being read (``where``) and which samples the last batch holds (``batch``) so that a failure can name them."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

import nr_core as nr
from nr_core.array_object import Tensor

from .collate import default_collate
from .dataset import Subset, TensorDataset


class MapFetcher:
    """Reads ``dataset[i]`` for each index of a batch (or one index when automatic batching is off).

    A batch of rows of nr arrays (a ``TensorDataset``, also through ``Subset``s, with the default collate) is read
    with one gather per array instead of one read per sample and a stack: the same batch, a fraction of the cost.
    """

    def __init__(self, dataset, auto_collation: bool, collate: Callable, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate = collate
        self.batched = bool(getattr(dataset, "__getitems__", None))
        self.rows = _rows_of(dataset) if auto_collation and collate is default_collate else None
        self.where = ""
        self.batch = ""

    def fetch(self, index):
        dataset = self.dataset
        if self.auto_collation:
            if self.rows is not None:
                self.where = self.batch = f"sample indices {list(index)}"
                return self._gather(index)
            if self.batched:  # the dataset reads a whole batch at once (torch's __getitems__ protocol)
                self.where = f"__getitems__ on sample indices {list(index)}"
                samples = dataset.__getitems__(index)
            else:
                samples = []
                for i in index:
                    self.where = f"sample index {i}"
                    samples.append(dataset[i])
            self.batch = f"sample indices {list(index)}"
        else:
            self.where = f"sample index {index}"
            samples = dataset[index]
            self.batch = f"sample index {index}"
        self.where = f"collate_fn on {self.batch}"
        return self.collate(samples)


    def _gather(self, index) -> list:
        tensors, maps = self.rows
        rows = list(index)
        for m in maps:  # outermost Subset first
            rows = [m[i] for i in rows]
        n = len(tensors[0])
        if any(not -n <= i < n for i in rows):
            raise IndexError(f"TensorDataset: index out of range for {n} samples in {rows}")
        host = np.asarray(rows, dtype=np.int64)
        return [t[nr.asarray(host, device=t.device)] for t in tensors]


def _rows_of(dataset):
    """(the arrays, the Subset index maps on the way) when a batch of ``dataset`` is rows of nr arrays, else None."""
    maps = []
    while type(dataset) is Subset:
        maps.append(dataset.indices)
        dataset = dataset.dataset
    if type(dataset) is TensorDataset and all(isinstance(t, Tensor) for t in dataset.tensors):
        return dataset.tensors, maps
    return None


class IterFetcher:
    """Pulls ``batch_size`` samples from an iterable dataset; StopIteration once the stream is exhausted."""

    def __init__(self, dataset, auto_collation: bool, collate: Callable, drop_last: bool) -> None:
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate = collate
        self.drop_last = drop_last
        self.count = 0
        self.where = ""
        self.batch = ""

    def _next(self):
        self.where = f"sample {self.count} of the iterable dataset"
        sample = next(self.iterator)
        self.count += 1
        return sample

    def fetch(self, index):
        if self.auto_collation:
            samples = []
            for _ in index:
                try:
                    samples.append(self._next())
                except StopIteration:
                    break
            if not samples or (self.drop_last and len(samples) < len(index)):
                raise StopIteration
            self.batch = f"samples {self.count - len(samples)}..{self.count - 1} of the iterable dataset"
        else:
            samples = self._next()
            self.batch = f"sample {self.count - 1} of the iterable dataset"
        self.where = f"collate_fn on {self.batch}"
        return self.collate(samples)


def make_fetcher(dataset, is_iterable: bool, auto_collation: bool, collate: Callable, drop_last: bool):
    return (IterFetcher if is_iterable else MapFetcher)(dataset, auto_collation, collate, drop_last)
