"""The worker process: fetch samples, collate, write each batch into shared memory, report failures with the
index that failed. Also ``get_worker_info()`` for datasets that want to know which worker runs them."""
from __future__ import annotations

import os
import queue
import random
import signal
import traceback
from multiprocessing.reduction import ForkingPickler

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
    """An exception raised in a worker, carried to the main process as text (its class too, where it pickles)."""

    def __init__(self, worker_id: int, where: str, exc: BaseException) -> None:
        self.worker_id = worker_id
        self.where = where
        self.exc_type: type | None = type(exc)
        self.type_name = type(exc).__name__
        self.message = str(exc)
        self.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.class_error = ""  # why the class cannot travel (e.g. defined inside a function)
        try:
            ForkingPickler.dumps(self.exc_type)
        except Exception as err:
            self.exc_type = None
            self.class_error = f"{type(err).__name__}: {err}"

    def __reduce__(self):
        return (_rebuild_failure, (self.worker_id, self.where, self.exc_type, self.type_name, self.message,
                                   self.traceback, self.class_error))

    def reraise(self):
        """Raise in the main process, as the original exception type where it takes a message, else RuntimeError."""
        msg = f"Caught {self.type_name} in DataLoader worker process {self.worker_id} while loading {self.where}."
        if self.exc_type is None:
            msg += (f"\nIts exception class cannot be pickled to the main process ({self.class_error}), so it is "
                    "raised as RuntimeError.")
        msg += f"\nOriginal traceback (in the worker):\n{self.traceback}"
        try:
            err = (self.exc_type or RuntimeError)(msg)
            if str(err) != msg:  # e.g. KeyError quotes its message; keep the text readable
                raise TypeError
        except Exception:
            err = RuntimeError(msg)
        err.worker_id = self.worker_id
        err.where = self.where
        raise err


def _rebuild_failure(worker_id, where, exc_type, type_name, message, tb, class_error):
    out = WorkerFailure.__new__(WorkerFailure)
    out.worker_id, out.where, out.exc_type, out.type_name = worker_id, where, exc_type, type_name
    out.message, out.traceback, out.class_error = message, tb, class_error
    return out


def send(result_queue, send_idx, worker_id: int, data, batch: str = "") -> None:
    """Put ``(send_idx, worker_id, batch, pickled data)`` on the result queue, pickled here rather than in the
    queue's feeder thread: that thread only prints a pickling error and drops the item, which would leave the
    main process waiting forever. What cannot be pickled is replaced by a WorkerFailure naming it."""
    try:
        blob = bytes(ForkingPickler.dumps(data))
    except Exception as exc:
        _shm.discard(data)
        what = data.where if isinstance(data, WorkerFailure) else f"the batch of {batch}"
        failure = WorkerFailure(worker_id, f"{what} (it cannot be pickled to send it to the main process)", exc)
        blob = bytes(ForkingPickler.dumps(failure))
    result_queue.put((send_idx, worker_id, batch, blob))


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
        send(result_queue, None, worker_id, WorkerFailure(worker_id, "its worker_init_fn or dataset iterator", exc))
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
            send(result_queue, send_idx, worker_id, index)
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
        send(result_queue, send_idx, worker_id, data, fetcher.batch)
    if done_event.is_set() or os.getppid() != parent_pid:
        result_queue.cancel_join_thread()  # nobody may read what is still buffered; do not block exit on it
    result_queue.close()
