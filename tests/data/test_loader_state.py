"""DataLoader.state_dict / load_state_dict: a loader rebuilt from a saved state yields the rest of the interrupted
epoch in the same order, then the same later epochs, as the loader that was never interrupted."""
from __future__ import annotations

import json

import nr_core as nr
import nr_data as data
import pytest
from nrdata_helpers import RangeDataset, StreamDataset


class CountingDataset(RangeDataset):
    """Counts the samples this process loaded (to show that skipped samples are not loaded again)."""

    loads = 0

    def __getitem__(self, i):
        CountingDataset.loads += 1
        return super().__getitem__(i)


def labels(batches) -> list[list[int]]:
    """The labels of each batch (a stream's batches are the values themselves)."""
    return [(b[1] if isinstance(b, (tuple, list)) else b).tolist() for b in batches]


def make(dataset, **kw):
    return data.DataLoader(dataset, batch_size=4, shuffle=True, **kw)


def interrupted(build, stop_after: int, epochs: int = 3, stop_epoch: int = 2):
    """The reference run (uninterrupted) and a run stopped inside ``stop_epoch`` after ``stop_after`` batches,
    saved, and continued by a fresh loader from that state; both as lists of per-epoch label batches, plus a draw
    from the global generator right after, which shows that the loader left it where the reference did."""
    nr.random.seed(0)
    loader = build()
    reference = [labels(loader) for _ in range(epochs)]
    after_reference = nr.random.normal((3,)).tolist()

    nr.random.seed(0)
    loader = build()
    done = [labels(loader) for _ in range(stop_epoch - 1)]
    it = iter(loader)
    partial = labels(next(it) for _ in range(stop_after))
    saved = json.loads(json.dumps({"loader": loader.state_dict(), "rng": nr.random.get_state()}))
    del it, loader

    nr.random.seed(123)  # a new process would start elsewhere
    loader = build()
    loader.load_state_dict(saved["loader"])
    nr.random.set_state(saved["rng"])
    resumed = done + [partial + labels(loader)] + [labels(loader) for _ in range(epochs - stop_epoch)]
    return reference, resumed, after_reference, nr.random.normal((3,)).tolist()


@pytest.mark.parametrize("generator", [None, 7])
@pytest.mark.parametrize("workers", [0, 2])
def test_resumed_epoch_matches_the_uninterrupted_one(generator, workers):
    ref, resumed, after_ref, after = interrupted(
        lambda: make(RangeDataset(30), generator=generator, num_workers=workers), stop_after=3)
    assert resumed == ref
    assert after == after_ref
    assert sorted(v for b in ref[1] for v in b) == list(range(30))


@pytest.mark.parametrize("stop_epoch", [1, 2])  # inside the pass that started the workers, and a later one
def test_persistent_workers_resume(stop_epoch):
    ref, resumed, _, _ = interrupted(
        lambda: make(RangeDataset(30), num_workers=2, persistent_workers=True), stop_after=5, stop_epoch=stop_epoch)
    assert resumed == ref


def test_loading_into_a_loader_with_running_workers():
    nr.random.seed(0)
    loader = make(RangeDataset(30), num_workers=2, persistent_workers=True)
    it = iter(loader)
    head = labels(next(it) for _ in range(3))
    state, rng = loader.state_dict(), nr.random.get_state()
    tail = labels(it)
    for _ in loader:  # another epoch on the same workers
        pass
    loader.load_state_dict(state)
    nr.random.set_state(rng)
    assert labels(loader) == tail and len(head + tail) == 8


def test_state_at_the_end_of_an_epoch_or_after_its_last_batch():
    ref, resumed, _, _ = interrupted(lambda: make(RangeDataset(30)), stop_after=8)  # all 8 batches of epoch 2
    assert resumed == ref
    loader = make(RangeDataset(30))
    for _ in loader:
        pass
    assert loader.state_dict()["start"] is None and loader.state_dict()["batches"] == 0


def test_skipped_samples_are_not_loaded_again():
    nr.random.seed(0)
    loader = make(CountingDataset(40))
    it = iter(loader)
    for _ in range(6):
        next(it)
    state = loader.state_dict()
    assert state["batches"] == 6
    loader = make(CountingDataset(40))
    loader.load_state_dict(state)
    CountingDataset.loads = 0
    rest = labels(loader)
    assert len(rest) == 4 and CountingDataset.loads == 16


def test_iterable_dataset_resumes_by_replaying_the_stream():
    def build():
        return data.DataLoader(StreamDataset(22), batch_size=4)
    ref, resumed, _, _ = interrupted(build, stop_after=2)
    assert resumed == ref


def test_bad_states_are_refused():
    own = make(RangeDataset(10), generator=1)
    glob = make(RangeDataset(10))
    with pytest.raises(ValueError, match="its own generator"):
        glob.load_state_dict(own.state_dict())
    with pytest.raises(ValueError, match="global"):
        own.load_state_dict(glob.state_dict())
    with pytest.raises(TypeError, match="DataLoader.state_dict"):
        glob.load_state_dict({"batches": 1})
    with pytest.raises(ValueError, match="an epoch of this loader has 3"):
        glob.load_state_dict({"generator": None, "start": nr.random.get_state(), "batches": 4, "fresh": True})
    with pytest.raises(ValueError, match="non-negative integer"):
        glob.load_state_dict({"generator": None, "start": nr.random.get_state(), "batches": -1, "fresh": True})
