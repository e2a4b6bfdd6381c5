"""The multi-process iterator: worker processes, prefetching, in-order delivery, failure and shutdown handling."""
from __future__ import annotations

import atexit
import contextlib
import itertools
import multiprocessing as mp
import os
import pickle
import queue
import time
import weakref

from . import _shm
from ._worker import IterableEnd, Resume, WorkerFailure, worker_loop
from .collate import to_arrays
from .dataloader import BaseIter, DataLoader

# how often a waiting main process checks that its workers are alive
STATUS_CHECK_INTERVAL = 0.5
# how long shutdown waits for workers to leave on their own before terminating them
SHUTDOWN_GRACE = 1.0
RESUME_IDX = -1

_live: "weakref.WeakSet[MultiProcessIter]" = weakref.WeakSet()


def _context(spec):
    if spec is None:
        return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    return mp.get_context(spec) if isinstance(spec, str) else spec


class MultiProcessIter(BaseIter):
    """Hands batches of indices to workers round-robin, keeps ``prefetch_factor`` batches per worker in flight,
    and yields results in sampler order."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._shutdown = True  # until the workers exist
        ctx = _context(loader.multiprocessing_context)
        if os.name == "posix":
            # forked workers must share the parent's tracker of shared-memory names, not start their own
            from multiprocessing import resource_tracker
            resource_tracker.ensure_running()
        self._prefix = _shm.new_prefix()
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        self._shutdown = False
        _live.add(self)
        for wid in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            w = ctx.Process(target=worker_loop, daemon=True, name=f"nr_data-worker-{wid}",
                            args=(self._dataset, self._is_iterable, index_queue, self._result_queue,
                                  self._done_event, self._auto_collation, self._collate_fn, self._drop_last,
                                  self._base_seed + wid, loader.worker_init_fn, wid, self._num_workers,
                                  self._prefix, os.getpid()))
            self._index_queues.append(index_queue)
            self._workers.append(w)
            try:
                w.start()
            except BaseException:
                self._workers.pop()
                self._shutdown_workers()
                raise
        self._reset(loader, first_iter=True)

    @property
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple] = {}
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            self._resume_workers()
        for _ in range(self._prefetch):
            self._try_put_index()

    def _resume_workers(self) -> None:
        """Persistent workers: restart their iterables and drop whatever the last epoch left in flight."""
        for q in self._index_queues:
            q.put((RESUME_IDX, Resume()))
        pending = self._num_workers
        while pending:
            idx, data = self._get_data()
            if isinstance(data, Resume):
                pending -= 1
            else:
                _shm.discard(data)

    def _try_put_index(self) -> None:
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_cycle)
            if self._workers_status[wid]:
                break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._send_idx += 1

    def __next__(self):
        try:
            data = self._next_data()
        except StopIteration:
            self._end()
            raise
        except BaseException:  # worker failure, timeout, KeyboardInterrupt: no worker outlives the error
            self._shutdown_workers()
            raise
        return self._finish(data)

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._workers_status[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]  # a task given to a worker whose iterable ran out
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                data = self._task_info.pop(self._rcvd_idx)[1]
                self._rcvd_idx += 1
                return self._process(data)
            idx, data = self._get_data()
            if idx is None or isinstance(data, IterableEnd):
                if isinstance(data, WorkerFailure):
                    data.reraise()
                self._workers_status[data.worker_id] = False
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                self._task_info[idx] += (data,)
                continue
            del self._task_info[idx]
            self._rcvd_idx += 1
            return self._process(data)

    def _process(self, data):
        if isinstance(data, WorkerFailure):
            data.reraise()
        self._try_put_index()
        return to_arrays(data.skeleton, _shm.unpack(data))

    def _get_data(self):
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = STATUS_CHECK_INTERVAL if deadline is None else min(STATUS_CHECK_INTERVAL,
                                                                      max(deadline - time.monotonic(), 0.0))
            try:
                idx, wid, batch, blob = self._result_queue.get(timeout=wait)
            except queue.Empty:
                self._check_workers_alive()
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds waiting for a batch "
                                       f"from its {self._num_workers} workers") from None
                continue
            try:
                return idx, pickle.loads(blob)
            except Exception as exc:
                raise RuntimeError(f"DataLoader: the main process cannot unpickle what worker {wid} sent for "
                                   f"{batch or 'its setup'}: {type(exc).__name__}: {exc}") from exc

    def _check_workers_alive(self) -> None:
        for wid, w in enumerate(self._workers):
            if self._workers_status[wid] and not w.is_alive():
                raise RuntimeError(f"DataLoader worker {wid} (pid {w.pid}) exited unexpectedly with exit code "
                                   f"{w.exitcode}")

    def _drain(self) -> None:
        while True:
            try:
                blob = self._result_queue.get_nowait()[-1]
            except (queue.Empty, OSError, ValueError, EOFError):
                return
            with contextlib.suppress(Exception):  # undecodable: its block, if any, goes with the prefix sweep
                _shm.discard(pickle.loads(blob))

    def _shutdown_workers(self) -> None:
        """Stop every worker (politely, then by signal), unlink every undelivered batch. Idempotent."""
        if self._shutdown:
            return
        self._shutdown = True
        _live.discard(self)
        try:
            self._done_event.set()
            for q in self._index_queues:
                with contextlib.suppress(OSError, ValueError):  # a closed queue: that worker is gone already
                    q.put(None)
            deadline = time.monotonic() + SHUTDOWN_GRACE
            while any(w.is_alive() for w in self._workers) and time.monotonic() < deadline:
                self._drain()  # a worker blocked writing a full pipe can only leave once we read
                for w in self._workers:
                    w.join(timeout=0.01)
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=1.0)
                if w.is_alive():
                    w.kill()
                    w.join()
            self._drain()
            for q in (*self._index_queues, self._result_queue):
                q.cancel_join_thread()
                q.close()
        finally:
            _shm.sweep(self._prefix)

    def __del__(self):
        if not getattr(self, "_shutdown", True):
            self._shutdown_workers()


@atexit.register
def _shutdown_all() -> None:
    for it in list(_live):
        it._shutdown_workers()
