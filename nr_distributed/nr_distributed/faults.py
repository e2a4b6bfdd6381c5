"""Failing fast instead of hanging: a watchdog per process group, and abort on an unhandled exception.

MPI and NCCL collectives block in C with no timeout of their own. The watchdog thread knows which blocking
call is running and since when; once it outlives the group's timeout, or once the launcher that started
this rank is gone, it says so on stderr and aborts the whole job (MPI_Abort semantics: every rank stops).
An exception that reaches the top of a rank does the same at once, naming the rank, so its peers never
wait for it in their next collective.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import traceback
from typing import Callable

POLL_S = 0.2
RUN_DIR_ENV = "NR_RUN_DIR"  # set by nr-run: each rank leaves a note there (pid, host, how it failed)


def _say(message: str) -> None:
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except Exception:  # stderr may already be closed at shutdown; the abort must still happen
        pass


class Watchdog:
    """Aborts the group through ``abort(reason)`` when a guarded call outlives ``timeout`` or the parent dies."""

    def __init__(self, rank: int, world_size: int, timeout: float, abort: Callable[[str], None]) -> None:
        self.rank, self.world_size, self.timeout, self._abort = rank, world_size, timeout, abort
        self._what: str | None = None
        self._deadline = 0.0
        # a one-rank job may be a plain `python train.py` whose shell goes away (nohup): only a launcher's child
        # watches its parent
        self._parent = os.getppid() if world_size > 1 else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"nr-distributed-watchdog-{rank}", daemon=True)
        self._thread.start()

    def begin(self, what: str) -> None:
        """A blocking call starts (two attribute writes: cheap enough for every collective)."""
        self._deadline = time.monotonic() + self.timeout
        self._what = what

    def end(self) -> None:
        self._what = None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2 * POLL_S)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            what = self._what
            if what is not None and time.monotonic() > self._deadline:
                self.fire(f"{what} did not complete within {self.timeout:g} s; a peer rank may have died, hung, or "
                          "stopped calling the same collectives (raise the limit with init_process_group(timeout=) "
                          "or NR_DIST_TIMEOUT)")
                return
            if self._parent is not None and os.getppid() != self._parent:
                self.fire(f"the launcher that started this rank (pid {self._parent}) is gone")
                return

    def fire(self, reason: str) -> None:
        _say(f"nr_distributed: rank {self.rank} of {self.world_size}: {reason}; aborting all ranks")
        record(self.rank, "failed", reason=reason)
        self._abort(reason)


def record(rank: int, state: str, **extra) -> None:
    """Leave ``rank-<rank>.json`` in nr-run's folder (pid, host, state): how nr-run names a failed rank."""
    folder = os.environ.get(RUN_DIR_ENV)
    if not folder:
        return
    path = os.path.join(folder, f"rank-{rank}.json")
    note = {"rank": rank, "pid": os.getpid(), "host": socket.gethostname(), "state": state, **extra}
    try:
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(note, f)
        os.replace(tmp, path)
    except OSError:  # the note is a courtesy to nr-run, never a reason to fail
        pass


class AbortOnException:
    """``sys.excepthook`` while the group lives: print the traceback, name the rank, abort every rank."""

    def __init__(self, rank: int, world_size: int, abort: Callable[[str], None]) -> None:
        self.rank, self.world_size, self._abort = rank, world_size, abort
        self._previous = sys.excepthook
        sys.excepthook = self

    def __call__(self, exc_type, exc, tb) -> None:
        try:
            traceback.print_exception(exc_type, exc, tb)
        finally:
            reason = f"{exc_type.__name__}: {exc}"
            _say(f"nr_distributed: rank {self.rank} of {self.world_size} failed with {reason}; aborting all ranks")
            record(self.rank, "failed", reason=reason)
            self._abort(reason)

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous
