"""The worker process: fetch samples, collate, write each batch into shared memory, report failures with the
index that failed. Also ``get_worker_info()`` for datasets that want to know which worker runs them."""
from __future__ import annotations

import os
import queue
import random
import signal
import traceback

import numpy as np

from . import _shm
from ._fetch import make_fetcher
from .collate import collate_layout, default_collate, transfer_layout

# how often an idle worker checks that its parent is still alive
STATUS_CHECK_INTERVAL = 2.0


class WorkerInfo:
    """Which worker this is: ``id``, ``num_workers``, ``seed`` and this worker's copy of ``dataset``."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id: int, num_workers: int, seed: int, dataset) -> None:
        self.id = id
        self.num_workers = num_workers
        self.seed = seed
        self.dataset = dataset

    def __repr__(self) -> str:
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its WorkerInfo; in the main process: None."""
    return _worker_info


class IterableEnd:
    """A worker's iterable dataset is exhausted."""

    __slots__ = ("worker_id",)

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id

    def __getstate__(self):
        return self.worker_id

    def __setstate__(self, state) -> None:
        self.worker_id = state


class Resume:
    """Sent to persistent workers at the start of an epoch: restart the iterable; echoed back as the ack."""

    __slots__ = ()


class WorkerFailure:
    """An exception raised in a worker, carried to the main process as text."""

    def __init__(self, worker_id: int, where: str, exc: BaseException) -> None:
        self.worker_id = worker_id
        self.where = where
        self.exc_type = type(exc)
        self.message = str(exc)
        self.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def __reduce__(self):
        return (_rebuild_failure, (self.worker_id, self.where, self.exc_type, self.message, self.traceback))

    def reraise(self):
        """Raise in the main process, as the original exception type where it takes a message, else RuntimeError."""
        msg = (f"Caught {self.exc_type.__name__} in DataLoader worker process {self.worker_id} while loading "
               f"{self.where}.\nOriginal traceback (in the worker):\n{self.traceback}")
        try:
            err = self.exc_type(msg)
            if str(err) != msg:  # e.g. KeyError quotes its message; keep the text readable
                raise TypeError
        except Exception:
            err = RuntimeError(msg)
        err.worker_id = self.worker_id
        err.where = self.where
        raise err


def _rebuild_failure(worker_id, where, exc_type, message, tb):
    out = WorkerFailure.__new__(WorkerFailure)
    out.worker_id, out.where, out.exc_type, out.message, out.traceback = worker_id, where, exc_type, message, tb
    return out


def _seed_everything(seed: int) -> None:
    import nr_core as nr
    nr.random.seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # the legacy global too: forked workers would otherwise share its state


def _collate_for_transport(collate_fn):
    if collate_fn is default_collate:
        def collate(samples):
            leaves: list = []
            return collate_layout(samples, leaves), leaves
    else:
        def collate(samples):
            leaves: list = []
            return transfer_layout(collate_fn(samples), leaves), leaves
    return collate


def worker_loop(dataset, is_iterable: bool, index_queue, result_queue, done_event, auto_collation: bool,
                collate_fn, drop_last: bool, seed: int, init_fn, worker_id: int, num_workers: int,
                shm_prefix: str, parent_pid: int) -> None:
    """Serve ``(send_idx, index)`` tasks until told to stop (``None``) or the parent is gone."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the main process shuts us down
    _seed_everything(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    collate = _collate_for_transport(collate_fn)
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(dataset, is_iterable, auto_collation, collate, drop_last)
    except Exception as exc:
        result_queue.put((None, WorkerFailure(worker_id, "its worker_init_fn or dataset iterator", exc)))
    exhausted = False
    seq = 0
    while True:
        try:
            task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
        except queue.Empty:
            if os.getppid() != parent_pid:
                break
            continue
        if task is None:
            break
        if done_event.is_set() or fetcher is None:
            continue
        send_idx, index = task
        if isinstance(index, Resume):
            exhausted = False
            fetcher = make_fetcher(dataset, is_iterable, auto_collation, collate, drop_last)
            result_queue.put((send_idx, index))
            continue
        if exhausted:  # the main process skips tasks of an exhausted worker
            continue
        try:
            skeleton, leaves = fetcher.fetch(index)
            seq += 1
            data = _shm.pack(skeleton, leaves, f"{shm_prefix}{worker_id}_{seq:x}")
        except StopIteration:
            exhausted = True
            data = IterableEnd(worker_id)
        except Exception as exc:
            data = WorkerFailure(worker_id, fetcher.where, exc)
        result_queue.put((send_idx, data))
    if done_event.is_set() or os.getppid() != parent_pid:
        result_queue.cancel_join_thread()  # nobody may read what is still buffered; do not block exit on it
    result_queue.close()
