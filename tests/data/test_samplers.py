"""Samplers against hand-worked expectations, numpy draws from the same seed, and torch's DistributedSampler."""
from __future__ import annotations

import numpy as np
import nr_core as nr
import nr_data as data
import pytest


def test_sequential_and_random_sampler():
    assert list(data.SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    s = data.RandomSampler(range(10), generator=3)
    assert list(s) == np.random.default_rng(3).permutation(10).tolist()
    nr.random.seed(1)
    a = list(data.RandomSampler(range(10)))
    nr.random.seed(1)
    assert a == list(data.RandomSampler(range(10))) and sorted(a) == list(range(10))


def test_random_sampler_num_samples_and_replacement():
    s = data.RandomSampler(range(4), num_samples=10, generator=0)
    out = list(s)
    assert len(out) == len(s) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]  # whole permutations first, like torch
    r = list(data.RandomSampler(range(3), replacement=True, num_samples=50, generator=0))
    assert len(r) == 50 and set(r) <= {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples"):
        data.RandomSampler(range(3), num_samples=0)


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    out = list(data.SubsetRandomSampler(idx, generator=2))
    assert out == [idx[i] for i in np.random.default_rng(2).permutation(4)]


def test_weighted_random_sampler():
    w = [0.0, 1.0, 3.0]
    s = data.WeightedRandomSampler(w, 4000, generator=0)
    counts = np.bincount(list(s), minlength=3)
    assert counts[0] == 0
    assert abs(counts[2] / counts[1] - 3.0) < 0.4
    no_rep = list(data.WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False, generator=0))
    assert sorted(no_rep) == [0, 1, 2]
    with pytest.raises(ValueError, match="without replacement"):
        data.WeightedRandomSampler([1, 0], 2, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        data.WeightedRandomSampler([1, -1], 2)


def test_batch_sampler():
    b = data.BatchSampler(data.SequentialSampler(range(10)), 3, drop_last=False)
    assert list(b) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(b) == 4
    b = data.BatchSampler(data.SequentialSampler(range(10)), 3, drop_last=True)
    assert list(b) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(b) == 3
    with pytest.raises(ValueError, match="batch_size"):
        data.BatchSampler(range(3), 0, False)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 4, False), (12, 4, True)])
def test_distributed_sampler_matches_torch_unshuffled(n, replicas, drop_last):
    tdata = pytest.importorskip("torch.utils.data")
    for rank in range(replicas):
        ours = data.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        ref = tdata.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(ref) and len(ours) == len(ref)


def test_distributed_sampler_shuffle_partitions_and_set_epoch():
    n, replicas = 11, 3
    parts = [list(data.DistributedSampler(range(n), replicas, r, seed=4)) for r in range(replicas)]
    flat = [i for p in parts for i in p]
    assert len(flat) == 12 and set(flat) == set(range(n))  # padded by one repeated index
    perm = np.random.default_rng(4).permutation(n).tolist()
    padded = perm + perm[:1]
    assert parts[1] == padded[1::3]
    s = data.DistributedSampler(range(n), replicas, 0, seed=4)
    first = list(s)
    s.set_epoch(1)
    p = np.random.default_rng(5).permutation(n).tolist()
    assert list(s) == (p + p[:1])[0:12:3] != first
    with pytest.raises(ValueError, match="rank"):
        data.DistributedSampler(range(4), 2, 2)
