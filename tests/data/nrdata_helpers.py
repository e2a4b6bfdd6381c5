"""Picklable datasets and process-table helpers for the nr_data tests (importable by spawned workers)."""
from __future__ import annotations

import contextlib
import os
import signal
import time

import numpy as np
import nr_data as data

SHM_DIR = "/dev/shm"


class RangeDataset(data.Dataset):
    """Sample i is (float32 [i, i], i)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(2, i, dtype=np.float32), i


class FailingDataset(RangeDataset):
    """Raises ValueError on one sample index."""

    def __init__(self, n: int, fail_at: int) -> None:
        super().__init__(n)
        self.fail_at = fail_at

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"broken sample {i}")
        return super().__getitem__(i)


class CrashingDataset(RangeDataset):
    """Kills its worker process outright on one index (like a segfault would)."""

    def __init__(self, n: int, crash_at: int) -> None:
        super().__init__(n)
        self.crash_at = crash_at

    def __getitem__(self, i):
        if i == self.crash_at:
            os._exit(3)
        return super().__getitem__(i)


class SlowDataset(RangeDataset):
    def __init__(self, n: int, delay: float) -> None:
        super().__init__(n)
        self.delay = delay

    def __getitem__(self, i):
        time.sleep(self.delay)
        return super().__getitem__(i)


class PidDataset(RangeDataset):
    """Sample i is (i, pid of the process that loaded it, a draw from the global nr generator)."""

    def __getitem__(self, i):
        import nr_core as nr
        return i, os.getpid(), float(nr.random.host_generator().random())


class StreamDataset(data.IterableDataset):
    """range(n), split between workers with get_worker_info()."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        info = data.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        for i in range(start, self.n, step):
            yield np.int64(i)


def numpy_pair_collate(batch):
    """A custom collate_fn returning a numpy array and a Python list."""
    return np.stack([x for x, _ in batch]), [int(y) for _, y in batch]


def record_worker_id(worker_id: int) -> None:
    os.environ["NR_TEST_WORKER_ID"] = str(worker_id)


class WorkerIdDataset(RangeDataset):
    def __getitem__(self, i):
        return i, int(os.environ["NR_TEST_WORKER_ID"])


# ---- time limits and the process table ------------------------------------------------------------------
@contextlib.contextmanager
def time_limit(seconds: int, what: str):
    """Raise TimeoutError in the main thread when the block runs past ``seconds``, so that a hang fails the test;
    an enclosing limit keeps running (re-armed with what is left of it)."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"{what} exceeded {seconds} s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer_left = signal.alarm(seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.alarm(max(1, outer_left - int(time.monotonic() - start)))


def _stat(pid: int):
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])  # state, ppid


def process_state(pid: int) -> str | None:
    """The /proc state letter of ``pid`` ("Z" for a zombie), or None when it no longer exists."""
    st = _stat(pid)
    return None if st is None else st[0]


def children(pid: int | None = None) -> list[int]:
    """Live child processes of ``pid`` (default: this process), zombies included, the multiprocessing resource
    tracker excluded (it is started once per interpreter and lives as long as it)."""
    pid = os.getpid() if pid is None else pid
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = _stat(int(name))
        if st is None or st[1] != pid:
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"resource_tracker" not in cmd:
            out.append(int(name))
    return out


def wait_gone(pids, timeout: float = 10.0) -> list[int]:
    """Wait until none of ``pids`` exists (zombies count as existing); returns those still there."""
    deadline = time.monotonic() + timeout
    left = list(pids)
    while left and time.monotonic() < deadline:
        left = [p for p in left if process_state(p) is not None]
        if left:
            time.sleep(0.05)
    return left


def shm_blocks() -> set[str]:
    """This process's loader blocks: names start with "nr" and the pid in hex (other test workers run loaders too)."""
    mine = f"nr{os.getpid():x}"
    try:
        return {n for n in os.listdir(SHM_DIR) if n.startswith(mine)}
    except OSError:
        return set()
