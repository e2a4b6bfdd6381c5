"""DDP and fault handling over real MPI: ``mpiexec -n 2`` (the mpich wheel's) in a subprocess, bounded in time.

Each scenario runs in its own process group (session), so a timeout kills every process it started; after
each, no process of the scenario may be left (no orphans).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import ddp_models as M

pytest.importorskip("mpi4py")
WORKER = Path(__file__).with_name("mpi_worker.py")
BIN = Path(sys.executable).parent
MPIEXEC = str(BIN / "mpiexec") if (BIN / "mpiexec").exists() else shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (pip install mpich)")


def _env(timeout: float) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NR_", "PMI_", "OMPI_"))}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", TEST_TIMEOUT=str(timeout), PYTHONUNBUFFERED="1")
    return env


def _alive(marker: str) -> list[str]:
    """Command lines of live processes that mention ``marker`` (the scenario's own folder)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except OSError:
            continue
        if marker in cmd and state != "Z":
            found.append(f"{pid}: {cmd}")
    return found


def launch(scenario: str, out: Path, *, limit: float = 90, timeout: float = 60, runner=None):
    """Run the scenario on 2 ranks; (returncode, output, seconds). Fails the test if it outlives ``limit``."""
    # nr-run starts this Python itself; mpiexec is given the interpreter
    cmd = (runner or [MPIEXEC, "-n", "2", sys.executable]) + [str(WORKER), scenario, str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(timeout),
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        pytest.fail(f"{scenario}: still running after {limit} s (a hang):\n{output[-3000:]}")
    seconds = time.perf_counter() - t0
    deadline = time.monotonic() + 5
    while _alive(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(str(out)), f"{scenario}: processes left behind: {_alive(str(out))}"
    return proc.returncode, output, seconds


def test_two_ranks_over_mpi_train_like_one_process(tmp_path):
    rc, output, _ = launch("equivalence", tmp_path)
    assert rc == 0, output[-3000:]
    for kind in ("mlp", "cnn"):
        data = M.batches(kind)
        single = M.train(M.build(kind), data)
        assert M.max_rel(single, M.torch_reference(kind, data)) < 1e-9
        for micro in (1, 2):
            for rank in (0, 1):
                with np.load(tmp_path / f"{kind}-micro{micro}-rank{rank}.npz") as f:
                    params = [f[f"arr_{i}"] for i in range(len(f.files))]
                assert M.max_rel(params, single) < 1e-6, (kind, micro, rank, M.max_rel(params, single))


def test_a_rank_that_raises_aborts_every_rank_naming_it(tmp_path):
    rc, output, seconds = launch("raise", tmp_path)
    assert rc != 0
    assert "nr_distributed: rank 1 of 2 failed with ValueError: rank 1 hit a bad batch on purpose" in output
    assert seconds < 30


def test_a_killed_rank_ends_the_job_and_nr_run_names_it(tmp_path):
    rc, output, seconds = launch("kill", tmp_path, runner=[str(BIN / "nr-run"), "-n", "2"])
    assert rc != 0
    assert "nr-run: rank 1 (pid" in output and "died (exit code 9)" in output, output[-3000:]
    assert seconds < 30


def test_a_killed_rank_under_plain_mpiexec_ends_the_job(tmp_path):
    rc, output, seconds = launch("kill", tmp_path)
    assert rc != 0 and seconds < 30


def test_killing_mpiexec_leaves_no_rank_behind(tmp_path):
    env = dict(_env(60), NR_RUN_DIR=str(tmp_path))  # the ranks leave their notes there once initialised
    proc = subprocess.Popen([MPIEXEC, "-n", "2", sys.executable, str(WORKER), "idle", str(tmp_path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("rank-*.json"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list(tmp_path.glob("rank-*.json"))) == 2, "the ranks did not start"
        proc.kill()  # mpiexec alone, SIGKILL: it cannot clean up
        proc.wait()
        deadline = time.monotonic() + 10
        while _alive(str(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(str(tmp_path)), f"orphaned ranks: {_alive(str(tmp_path))}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_rank_that_stops_communicating_trips_the_watchdog(tmp_path):
    rc, output, seconds = launch("hang", tmp_path, timeout=3)
    assert rc != 0
    assert "nr_distributed: rank 0 of 2: all_reduce" in output and "did not complete within 3 s" in output
    assert seconds < 30


def test_different_models_are_refused_at_wrap_time(tmp_path):
    rc, output, seconds = launch("mismatch", tmp_path)
    assert rc != 0
    assert ("the model differs between ranks, but DDP expects the same model on every rank: parameter '2.weight' "
            "has shape (2, 8)") in output, output[-3000:]
    assert seconds < 60  # bounded: no rank waits for the others (generous: shared 2-core machines)


def test_nr_run_sets_the_environment(tmp_path):
    rc, output, _ = launch("environment", tmp_path, runner=[str(BIN / "nr-run"), "-n", "2"])
    assert rc == 0, output[-3000:]
    for rank in (0, 1):
        env = dict(line.split("=", 1) for line in (tmp_path / f"env-rank{rank}.txt").read_text().splitlines())
        assert env["RANK"] == str(rank) and env["WORLD_SIZE"] == "2" and env["LOCAL_RANK"] == str(rank)
        assert env["OMP_NUM_THREADS"] == "1" and env["NR_RUN_DIR"]  # test env pins 1 thread; nr-run keeps it
