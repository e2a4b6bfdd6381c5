"""Dataset bases and combinators: Dataset, IterableDataset, TensorDataset, ConcatDataset, ChainDataset, Subset,
random_split."""
from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Iterable, Sequence

import numpy as np

from ._random import check_generator, rng


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and usually ``__len__``."""

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__``. With workers, each worker iterates its own copy;
    use ``get_worker_info()`` inside ``__iter__`` to split the stream."""

    def __add__(self, other: "Dataset") -> "ChainDataset":
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of arrays that share their first dimension."""

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one array")
        sizes = [t.shape[0] if len(t.shape) else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: every array needs the same first dimension, got shapes "
                             f"{[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """The concatenation of map-style datasets."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset: does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise IndexError(f"ConcatDataset: index {idx} out of range for length {n}")
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """The concatenation of iterable datasets, iterated one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset: only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(lengths: Sequence, n: int) -> list[int]:
    if all(isinstance(x, numbers.Integral) for x in lengths):
        out = [int(x) for x in lengths]
        if any(x < 0 for x in out) or sum(out) != n:
            raise ValueError(f"random_split: lengths {out} must be non-negative and sum to the dataset's "
                             f"length {n}")
        return out
    fracs = [float(x) for x in lengths]
    if any(f < 0 or f > 1 for f in fracs) or not math.isclose(sum(fracs), 1.0, abs_tol=1e-6):
        raise ValueError(f"random_split: fractions {fracs} must lie in [0, 1] and sum to 1")
    out = [int(math.floor(n * f)) for f in fracs]
    for i in range(n - sum(out)):  # hand the remainder out round-robin, like torch
        out[i % len(out)] += 1
    return out


def random_split(dataset: Dataset, lengths: Sequence, generator=None, *, seed: int | None = None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths or fractions (summing to 1).

    The permutation comes from ``seed`` if given, else ``generator`` (an int or numpy Generator), else the
    global state that ``nr.random.seed`` sets.
    """
    if seed is not None and generator is not None:
        raise ValueError("random_split: pass either seed= or generator=, not both")
    gen = check_generator(seed if seed is not None else generator, "random_split")
    n = len(dataset)
    sizes = _split_lengths(lengths, n)
    perm = rng(gen).permutation(n).tolist()
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
