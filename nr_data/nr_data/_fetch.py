"""Fetchers: turn one index (or list of indices) from the sampler into a collated batch, remembering which
sample was being read (``where``) and which samples the last batch holds (``batch``) so that a failure can name them."""
from __future__ import annotations

from collections.abc import Callable


class MapFetcher:
    """Reads ``dataset[i]`` for each index of a batch (or one index when automatic batching is off)."""

    def __init__(self, dataset, auto_collation: bool, collate: Callable, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate = collate
        self.batched = bool(getattr(dataset, "__getitems__", None))
        self.where = ""
        self.batch = ""

    def fetch(self, index):
        dataset = self.dataset
        if self.auto_collation:
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
