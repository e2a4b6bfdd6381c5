"""DataLoader faults: every way a worker can fail makes the main process raise within a bounded time, naming the
worker, the sample index and the cause, and leaves no worker process and no shared-memory block behind."""
from __future__ import annotations

import os
import signal
import time

import nr_data as data
import pytest
from faulty_data import LambdaSamples, LocalExceptionSamples, Samples, UnloadableSamples, collate_with_lambda
from nrdata_helpers import FailingDataset, SlowDataset, children, shm_blocks, time_limit, wait_gone

CONTEXTS = ["fork", "spawn"]
# spawned workers import numpy and nr_core first; a fault must still surface well within this
BOUND_S = {"fork": 8, "spawn": 20}


def _first_error(loader, context: str, after_first=None) -> tuple[BaseException, float]:
    """Iterate ``loader`` until it raises; check the time it took and that nothing outlives the error."""
    before_children, before_shm = set(children()), shm_blocks()
    start = time.monotonic()
    with time_limit(BOUND_S[context], f"DataLoader ({context}) waiting on a failed worker"):
        it = iter(loader)
        pids = it.worker_pids
        with pytest.raises(BaseException) as info:
            for i, _ in enumerate(it):
                if i == 0 and after_first is not None:
                    after_first(pids)
    elapsed = time.monotonic() - start
    assert not isinstance(info.value, TimeoutError), "the loader hung"
    assert wait_gone(pids) == []
    assert set(children()) <= before_children
    assert shm_blocks() <= before_shm
    return info.value, elapsed


# ---- pickling failures (today's hang: the queue's feeder thread dropped the item and the main process waited) ----
@pytest.mark.parametrize("context", CONTEXTS)
def test_unpicklable_exception_class(context):
    loader = data.DataLoader(LocalExceptionSamples(12, bad=5), batch_size=2, num_workers=2,
                             multiprocessing_context=context)
    err, _ = _first_error(loader, context)
    msg = str(err)
    assert type(err) is RuntimeError  # the class itself cannot travel
    assert "Caught ShardMissing in DataLoader worker process 0" in msg  # batch 2 (indices 4, 5): worker 0
    assert "sample index 5" in msg
    assert "cannot be pickled" in msg and "pickle" in msg.split("cannot be pickled to the main process (")[1]
    assert "shard of sample 5 is missing" in msg and "faulty_data.py" in msg
    assert err.worker_id == 0


@pytest.mark.parametrize("timeout", [0, 60])
@pytest.mark.parametrize("context", CONTEXTS)
def test_unpicklable_sample(context, timeout):
    loader = data.DataLoader(LambdaSamples(8, bad=5), batch_size=None, num_workers=2, timeout=timeout,
                             multiprocessing_context=context)
    err, _ = _first_error(loader, context)
    msg = str(err)
    assert "DataLoader worker process 1" in msg and "the batch of sample index 5" in msg
    assert "cannot be pickled to send it to the main process" in msg and "<lambda>" in msg
    assert err.worker_id == 1


@pytest.mark.parametrize("context", CONTEXTS)
def test_unpicklable_batch_from_collate_fn(context):
    loader = data.DataLoader(Samples(8, bad=-1), batch_size=4, num_workers=2, collate_fn=collate_with_lambda,
                             multiprocessing_context=context)
    err, _ = _first_error(loader, context)
    msg = str(err)
    assert "DataLoader worker process 0" in msg and "the batch of sample indices [0, 1, 2, 3]" in msg
    assert "cannot be pickled" in msg and "<lambda>" in msg


@pytest.mark.parametrize("context", CONTEXTS)
def test_batch_that_cannot_be_unpickled_in_the_main_process(context):
    loader = data.DataLoader(UnloadableSamples(8, bad=3), batch_size=None, num_workers=2,
                             multiprocessing_context=context)
    err, _ = _first_error(loader, context)
    assert type(err) is RuntimeError
    assert str(err) == ("DataLoader: the main process cannot unpickle what worker 1 sent for sample index 3: "
                        "ValueError: this token cannot be rebuilt in the main process")


# ---- the other faults, each bounded in time ----------------------------------------------------------------------
@pytest.mark.parametrize("context", CONTEXTS)
def test_worker_raising(context):
    loader = data.DataLoader(FailingDataset(40, fail_at=13), batch_size=4, num_workers=2,
                             multiprocessing_context=context)
    err, _ = _first_error(loader, context)
    assert type(err) is ValueError
    assert "DataLoader worker process 1" in str(err) and "sample index 13" in str(err)


def test_worker_killed_by_sigkill():
    def kill_worker_0(pids):
        os.kill(pids[0], signal.SIGKILL)
    loader = data.DataLoader(SlowDataset(1000, delay=0.02), batch_size=1, num_workers=2)
    err, elapsed = _first_error(loader, "fork", after_first=kill_worker_0)
    assert type(err) is RuntimeError
    assert "DataLoader worker 0 (pid" in str(err) and "exited unexpectedly with exit code -9" in str(err)
    assert elapsed < 5


def test_timeout():
    loader = data.DataLoader(SlowDataset(4, delay=10.0), batch_size=1, num_workers=1, timeout=0.5)
    err, elapsed = _first_error(loader, "fork")
    assert type(err) is RuntimeError and "timed out after 0.5 seconds" in str(err)
    assert elapsed < 3
