"""DistributedSampler: each of ``num_replicas`` processes reads its own equal share of the dataset."""
from __future__ import annotations

import math
import os
from collections.abc import Iterator

import numpy as np

from .sampler import Sampler


def _from_env(value, var: str, default: int) -> int:
    if value is not None:
        return value
    return int(os.environ.get(var, default))


class DistributedSampler(Sampler):
    """Torch's semantics: shuffled with ``seed + epoch`` (call ``set_epoch`` each epoch), padded by repeating
    indices so every replica gets the same count, or trimmed with ``drop_last``.

    ``num_replicas`` and ``rank`` default to the ``WORLD_SIZE`` and ``RANK`` environment variables (1 and 0 if unset).
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> None:
        super().__init__(dataset)
        num_replicas = _from_env(num_replicas, "WORLD_SIZE", 1)
        rank = _from_env(rank, "RANK", 0)
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas should be at least 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = int(seed)
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle differently in the next epoch (all replicas must pass the same epoch)."""
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples
