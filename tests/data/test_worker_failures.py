"""Failures and shutdown: errors name the worker and sample index, nothing hangs, no process or shared-memory
block outlives the loop (checked in /proc and /dev/shm)."""
from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time

import nr_data as data
import pytest
from nrdata_helpers import (CrashingDataset, FailingDataset, RangeDataset, SlowDataset, children, process_state,
                            shm_blocks, wait_gone)

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_worker_exception_names_worker_and_index(context):
    loader = data.DataLoader(FailingDataset(40, fail_at=13), batch_size=4, num_workers=2,
                             multiprocessing_context=context)
    it = iter(loader)
    pids = it.worker_pids
    with pytest.raises(ValueError) as info:
        for _ in it:
            pass
    msg = str(info.value)
    assert "DataLoader worker process 1" in msg  # batch 3 (indices 12..15) went to worker 1
    assert "sample index 13" in msg
    assert "broken sample 13" in msg and "Traceback" in msg and "nrdata_helpers.py" in msg
    assert info.value.worker_id == 1
    assert wait_gone(pids) == []


def test_single_process_error_notes_the_index():
    with pytest.raises(ValueError, match="broken sample 5") as info:
        list(data.DataLoader(FailingDataset(10, fail_at=5), batch_size=3))
    assert "raised while loading sample index 5" in "\n".join(info.value.__notes__)


def test_worker_killed_is_reported_not_hung():
    loader = data.DataLoader(CrashingDataset(20, crash_at=6), batch_size=2, num_workers=2)
    it = iter(loader)
    pids = it.worker_pids
    with pytest.raises(RuntimeError, match=r"DataLoader worker 1 \(pid \d+\) exited unexpectedly with exit code 3"):
        list(it)
    assert wait_gone(pids) == []


def test_timeout_raises():
    loader = data.DataLoader(SlowDataset(4, delay=3.0), batch_size=1, num_workers=1, timeout=0.5)
    it = iter(loader)
    pids = it.worker_pids
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        next(it)
    assert time.monotonic() - start < 2.5
    assert wait_gone(pids) == []


def test_break_and_garbage_collection_leave_no_processes_or_blocks():
    before_children, before_shm = set(children()), shm_blocks()
    loader = data.DataLoader(RangeDataset(1000), batch_size=4, num_workers=2, prefetch_factor=4)
    for i, _ in enumerate(loader):
        if i == 2:
            break
    gc.collect()
    assert set(children()) <= before_children
    assert shm_blocks() <= before_shm
    it = iter(loader)
    next(it)
    pids = it.worker_pids
    assert all(process_state(p) not in (None, "Z") for p in pids)
    del it
    assert wait_gone(pids) == []
    assert shm_blocks() <= before_shm


def test_worker_init_fn_failure_is_raised():
    loader = data.DataLoader(RangeDataset(4), batch_size=2, num_workers=1, worker_init_fn=_failing_init)
    with pytest.raises(RuntimeError, match="worker_init_fn"):
        list(loader)


def _failing_init(worker_id):
    raise RuntimeError(f"init of worker {worker_id} failed")


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform == "win32", reason="POSIX signals")
def test_keyboard_interrupt_leaves_no_workers():
    script = textwrap.dedent("""
        import sys, time
        sys.path.insert(0, %r)
        import nr_data as data
        from nrdata_helpers import SlowDataset
        loader = data.DataLoader(SlowDataset(10_000, delay=0.01), batch_size=2, num_workers=2)
        it = iter(loader)
        print(*it.worker_pids, flush=True)
        try:
            for _ in it:
                pass
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """ % HERE)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "interrupted" in out
    assert proc.returncode == 0
    assert len(pids) == 2 and wait_gone(pids) == []


def test_persistent_loader_recovers_after_a_worker_error():
    loader = data.DataLoader(FailingDataset(8, fail_at=5), batch_size=2, num_workers=2, persistent_workers=True)
    first = iter(loader)
    with pytest.raises(ValueError, match="sample index 5"):
        list(first)
    assert wait_gone(first.worker_pids) == []
    second = iter(loader)
    assert second is not first
    assert next(second)[1].tolist() == [0, 1]
