"""Run under ``mpiexec -n 2`` by test_mpi.py: one scenario per invocation, results written to a folder.

    mpiexec -n 2 python mpi_worker.py <scenario> <out_dir>
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ddp_models as M  # noqa: E402
import nr_core as nr  # noqa: E402
import nr_distributed as dist  # noqa: E402
import nr_nn as nn  # noqa: E402


def equivalence(out: str) -> None:
    """DDP over MPI on the MLP and the CNN, whole batches split over the ranks, with and without no_sync."""
    r, n = dist.get_rank(), dist.get_world_size()
    for kind in ("mlp", "cnn"):
        data = M.batches(kind)
        for micro in (1, 2):
            ddp = dist.DistributedDataParallel(M.build(kind, seed=0 if r == 0 else 11))
            params = M.train(ddp, data, r, n, micro=micro, ddp=ddp)
            np.savez(os.path.join(out, f"{kind}-micro{micro}-rank{r}.npz"), *params)


def _steps(fail_at: int, fail) -> None:
    r = dist.get_rank()
    ddp = dist.DistributedDataParallel(M.build("mlp"))
    data = M.batches("mlp", steps=200)
    for step, (x, y) in enumerate(data):
        if r == 1 and step == fail_at:
            fail()
        loss = nn.CrossEntropyLoss()(ddp(nr.asarray(x)), nr.asarray(y))
        loss.backward()
        time.sleep(0.01)


def raise_(out: str) -> None:
    def fail():
        raise ValueError("rank 1 hit a bad batch on purpose")
    _steps(3, fail)


def kill(out: str) -> None:
    _steps(3, lambda: os.kill(os.getpid(), 9))


def hang(out: str) -> None:
    _steps(3, lambda: time.sleep(300))  # stops calling collectives; the other rank's watchdog must fire


def idle(out: str) -> None:
    time.sleep(300)  # the test kills mpiexec meanwhile


def mismatch(out: str) -> None:
    r = dist.get_rank()
    dist.DistributedDataParallel(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2 + r)))


def environment(out: str) -> None:
    r = dist.get_rank()
    keys = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "OMP_NUM_THREADS", "NR_RUN_DIR")
    with open(os.path.join(out, f"env-rank{r}.txt"), "w") as f:
        f.write("\n".join(f"{k}={os.environ.get(k, '')}" for k in keys))


SCENARIOS = {"equivalence": equivalence, "raise": raise_, "kill": kill, "hang": hang, "idle": idle,
             "mismatch": mismatch, "environment": environment}

if __name__ == "__main__":
    scenario, out_dir = sys.argv[1], sys.argv[2]
    dist.init_process_group("mpi", timeout=float(os.environ.get("TEST_TIMEOUT", "60")))
    SCENARIOS[scenario](out_dir)
    dist.destroy_process_group()
