"""Long runs: 5,000 training steps of a small MLP keep the resident set flat (measured from /proc/self/statm in a
fresh interpreter, so nothing of the test session counts), and many loader epochs with workers leave no file
descriptor, process or shared-memory block behind. The harness is shown to see a leak of the size it bounds."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import nr_data as data
import pytest
from nrdata_helpers import RangeDataset, children, shm_blocks, wait_gone

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "soak_train.py")
WARMUP = 1000            # steps before the baseline: allocator pools and caches fill up first
MAX_GROWTH_PER_STEP = 256  # bytes: 1 MiB over the 4,000 measured steps


def _soak(steps: int, leak: int = 0) -> dict:
    out = subprocess.run([sys.executable, SCRIPT, "--steps", str(steps), "--leak", str(leak)], capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def _growth_per_step(samples) -> float:
    rss = dict(samples)
    last = max(rss)
    return (rss[last] - rss[WARMUP]) / (last - WARMUP)


def test_5000_training_steps_keep_rss_flat():
    run = _soak(5000)
    assert len(run["samples"]) == 20
    growth = _growth_per_step(run["samples"])
    assert growth < MAX_GROWTH_PER_STEP, f"RSS grows {growth:.0f} bytes per step: {run['samples']}"
    assert run["losses"][-1] < 1e-3 * run["losses"][0]  # the steps did train the model


def test_the_soak_sees_a_leak_of_one_kib_per_step():
    growth = _growth_per_step(_soak(1500, leak=1024)["samples"])
    assert growth > MAX_GROWTH_PER_STEP


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_many_loader_epochs_leave_nothing_behind():
    loader = data.DataLoader(RangeDataset(64), batch_size=4, num_workers=2, prefetch_factor=2)
    before = (set(children()), shm_blocks())
    list(loader)  # the first epoch opens what stays open for the session (the resource tracker's pipe)
    gc.collect()
    fds = _open_fds()
    pids = []
    for epoch in range(20):
        it = iter(loader)
        pids += it.worker_pids
        for i, batch in enumerate(it):
            if epoch % 2 and i == 2:
                break  # half the epochs end early: the iterator is dropped mid-flight
        del it
    gc.collect()
    assert wait_gone(pids) == []
    assert set(children()) <= before[0] and shm_blocks() <= before[1]
    assert _open_fds() <= fds
