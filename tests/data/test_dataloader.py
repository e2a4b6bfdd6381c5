"""DataLoader: batching, exactly-once epochs, seeded order, workers (fork and spawn), iterable datasets,
persistent workers, custom collate, device and progress options."""
from __future__ import annotations

import multiprocessing as mp

import numpy as np
import nr_core as nr
import nr_data as data
import pytest
from nrdata_helpers import (PidDataset, RangeDataset, StreamDataset, WorkerIdDataset, children,
                            numpy_pair_collate, record_worker_id, shm_blocks, wait_gone)

CONTEXTS = ["fork", "spawn"] if "fork" in mp.get_all_start_methods() else ["spawn"]


def epoch_labels(loader) -> list[int]:
    out = []
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy(), np.repeat(yb.numpy()[:, None], 2, axis=1).astype(np.float32))
        out += yb.tolist()
    return out


@pytest.mark.parametrize("workers", [0, 2])
def test_every_sample_exactly_once_per_epoch(workers):
    loader = data.DataLoader(RangeDataset(103), batch_size=8, shuffle=True, num_workers=workers)
    for _ in range(2):
        seen = epoch_labels(loader)
        assert sorted(seen) == list(range(103))
    assert len(loader) == 13


@pytest.mark.parametrize("context", CONTEXTS)
def test_workers_with_each_start_method(context):
    before = shm_blocks()
    loader = data.DataLoader(RangeDataset(50), batch_size=7, shuffle=True, num_workers=2,
                             multiprocessing_context=context)
    assert sorted(epoch_labels(loader)) == list(range(50))
    assert shm_blocks() <= before  # every block unlinked


def test_same_seed_same_order_for_any_worker_count():
    orders = []
    for workers in (0, 2, 0):
        nr.random.seed(123)
        orders.append(epoch_labels(data.DataLoader(RangeDataset(64), batch_size=5, shuffle=True,
                                                   num_workers=workers)))
    assert orders[0] == orders[1] == orders[2]
    assert orders[0] != list(range(64))
    nr.random.seed(124)
    assert epoch_labels(data.DataLoader(RangeDataset(64), batch_size=5, shuffle=True)) != orders[0]


def test_generator_int_seed_reproducible_and_epochs_differ():
    a = data.DataLoader(RangeDataset(40), batch_size=4, shuffle=True, generator=7)
    b = data.DataLoader(RangeDataset(40), batch_size=4, shuffle=True, generator=np.random.default_rng(7))
    ea1, ea2 = epoch_labels(a), epoch_labels(a)
    assert ea1 == epoch_labels(b) and ea2 == epoch_labels(b)
    assert ea1 != ea2
    expected = np.random.default_rng(7)
    expected.integers(0, 2**62)  # the workers' base seed is drawn first, as in torch
    assert ea1 == expected.permutation(40).tolist()


def test_order_matches_batches_sequential_and_drop_last():
    loader = data.DataLoader(RangeDataset(10), batch_size=4, drop_last=True, num_workers=2)
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(loader) == 2


def test_batch_size_none_and_batch_sampler():
    loader = data.DataLoader(RangeDataset(3), batch_size=None)
    samples = list(loader)
    assert isinstance(samples[0][0], nr.Tensor) and samples[2][1] == 2
    bs = data.BatchSampler(data.SequentialSampler(range(6)), 4, drop_last=False)
    loader = data.DataLoader(RangeDataset(6), batch_sampler=bs, num_workers=2)
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3], [4, 5]]


def test_custom_collate_keeps_numpy_and_python_objects():
    loader = data.DataLoader(RangeDataset(9), batch_size=4, collate_fn=numpy_pair_collate, num_workers=2)
    batches = list(loader)
    assert isinstance(batches[0][0], np.ndarray) and batches[0][0].dtype == np.float32
    assert batches[0][1] == [0, 1, 2, 3] and batches[2][1] == [8]
    np.testing.assert_array_equal(batches[1][0], np.repeat(np.arange(4, 8, dtype=np.float32)[:, None], 2, 1))


@pytest.mark.parametrize("workers", [0, 3])
def test_iterable_dataset_split_by_worker_info(workers):
    loader = data.DataLoader(StreamDataset(23), batch_size=4, num_workers=workers)
    seen = [v for b in loader for v in b.tolist()]
    assert sorted(seen) == list(range(23))
    assert len(loader) == 6


def test_iterable_drop_last_per_worker():
    loader = data.DataLoader(StreamDataset(10), batch_size=4, num_workers=2, drop_last=True)
    batches = [b.tolist() for b in loader]  # worker 0 holds 0,2,..8 and worker 1 1,3,..9: one full batch each
    assert sorted(batches) == [[0, 2, 4, 6], [1, 3, 5, 7]]


def test_worker_seeds_and_init_fn():
    nr.random.seed(5)
    loader = data.DataLoader(PidDataset(8), batch_size=2, num_workers=2)
    draws = {}
    for idx, pid, draw in loader:
        for p, d in zip(pid.tolist(), draw.tolist()):
            draws.setdefault(p, []).append(d)
    assert len(draws) == 2
    firsts = [v[0] for v in draws.values()]
    assert firsts[0] != firsts[1]  # each worker is seeded differently
    loader = data.DataLoader(WorkerIdDataset(6), batch_size=1, num_workers=2, worker_init_fn=record_worker_id)
    assert [(i.item(), w.item()) for i, w in loader] == [(0, 0), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1)]


def test_persistent_workers_keep_processes_and_reset_each_epoch():
    loader = data.DataLoader(RangeDataset(40), batch_size=4, shuffle=True, num_workers=2, persistent_workers=True,
                             prefetch_factor=3)
    it = iter(loader)
    pids = it.worker_pids
    assert sorted(epoch_labels(it)) == list(range(40))
    for _ in range(3):  # a full epoch, an epoch broken off early, a full epoch again
        assert iter(loader).worker_pids == pids
        assert sorted(epoch_labels(loader)) == list(range(40))
        for _ in loader:
            break
    assert all(p in children() for p in pids)
    del loader, it
    assert wait_gone(pids) == []


def test_persistent_workers_with_iterable_dataset():
    loader = data.DataLoader(StreamDataset(9), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(v for b in loader for v in b.tolist()) == list(range(9))


def test_device_option_moves_batches():
    loader = data.DataLoader(RangeDataset(6), batch_size=4, device="cpu:1", num_workers=2)
    xb, yb = next(iter(loader))
    assert str(xb.device) == "cpu:1" and str(yb.device) == "cpu:1"
    assert yb.tolist() == [0, 1, 2, 3]


def test_progress_bar(capsys):
    loader = data.DataLoader(RangeDataset(10), batch_size=3, progress=True)
    assert sum(len(yb.tolist()) for _, yb in loader) == 10
    assert "4/4" in capsys.readouterr().err


def test_bad_arguments_are_rejected():
    ds = RangeDataset(4)
    with pytest.raises(ValueError, match="num_workers"):
        data.DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        data.DataLoader(ds, shuffle=True, sampler=data.SequentialSampler(ds))
    with pytest.raises(ValueError, match="batch_sampler"):
        data.DataLoader(ds, batch_size=2, batch_sampler=data.BatchSampler(range(4), 2, False))
    with pytest.raises(ValueError, match="shuffle"):
        data.DataLoader(StreamDataset(3), shuffle=True)
    with pytest.raises(ValueError, match="persistent_workers"):
        data.DataLoader(ds, persistent_workers=True)
    with pytest.raises(TypeError, match="generator"):
        data.DataLoader(ds, generator="seed")


def test_tensor_dataset_through_spawned_workers():
    x = nr.asarray(np.arange(24, dtype=np.float32).reshape(12, 2))
    y = nr.asarray(np.arange(12))
    ctx = "spawn"
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=5, num_workers=2, multiprocessing_context=ctx)
    got = [(xb.numpy(), yb.numpy()) for xb, yb in loader]
    np.testing.assert_array_equal(np.concatenate([g[0] for g in got]), x.numpy())
    np.testing.assert_array_equal(np.concatenate([g[1] for g in got]), y.numpy())


def test_pin_memory_stages_through_the_backend(monkeypatch):
    from nr_core.plugins import REGISTRY
    _, backend = REGISTRY.resolve("cpu:1")
    pinned = []

    def pin(a):
        pinned.append(a.shape)
        return np.array(a, copy=True)

    monkeypatch.setattr(backend, "pin_memory", pin, raising=False)
    loader = data.DataLoader(RangeDataset(6), batch_size=4, device="cpu:1", pin_memory=True)
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3], [4, 5]]
    assert pinned == [(4, 2), (4,), (2, 2), (2,)]
    monkeypatch.delattr(backend, "pin_memory")
    with pytest.warns(UserWarning, match="pin_memory=True has no effect"):
        data.DataLoader(RangeDataset(6), device="cpu:1", pin_memory=True)
