"""The protocol a communication backend implements, and ``Work``, the handle of an asynchronous collective.

A backend moves *native buffers* (NumPy arrays for ``cpu``, CuPy arrays for ``cuda``), contiguous and
writable, in place; nr arrays never reach it. Its core is four methods: ``allreduce``, ``iallreduce``,
``broadcast``, ``allgather``; the rest have defaults written with those, which a backend replaces where its
library does better (MPI's ``Reduce_scatter_block``, ``Gather``, ``Scatter``).
"""
from __future__ import annotations

import abc
import time
from typing import Any

from .buffers import empty_stack
from .reduce_op import ReduceOp


class Work:
    """An asynchronous collective in flight (PyTorch's ``Work``). ``wait()`` blocks until it has finished."""

    def __init__(self, what: str = "") -> None:
        self.what = what
        self.started = time.perf_counter()
        self.completed: float | None = None

    def is_completed(self) -> bool:
        if self.completed is None and self._test():
            self.completed = time.perf_counter()
        return self.completed is not None

    def wait(self) -> bool:
        if self.completed is None:
            self._wait()
            self.completed = time.perf_counter()
        return True

    # what a backend's Work overrides
    def _test(self) -> bool:
        return True

    def _wait(self) -> None:
        return None


class CompletedWork(Work):
    """The handle of a collective that ran to completion before it was returned."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what)
        self.completed = self.started


class CommBackend(abc.ABC):
    """Base of the communication backends; the group's rank and size, and the collectives on native buffers.

    A backend is registered under a name, in code (``register_backend``) or through the entry-point group
    ``nr.comm_backends``; ``init_process_group(backend=name, ...)`` calls the registered factory as
    ``factory(rank=, world_size=, timeout=, init_method=)`` (rank and world_size are None when not given).
    A blocking method never hangs: once ``timeout`` seconds pass it raises ``DistBackendError`` or aborts the
    group (``abort``).
    """

    name = "base"
    device_kinds: tuple[str, ...] = ("cpu",)  # the devices whose buffers it moves natively
    stages_through_host = True  # other devices' arrays go through a host copy (False: they are refused)
    per_thread = False  # True: each thread of the process is its own rank (the in-process ``threads`` backend)

    def __init__(self, rank: int, world_size: int, timeout: float) -> None:
        self.rank, self.world_size, self.timeout = rank, world_size, timeout
        self.local_rank, self.local_world_size = rank, world_size  # ranks on this machine; backends refine it

    # ---- the protocol ------------------------------------------------------------------------
    @abc.abstractmethod
    def allreduce(self, buf: Any, op: ReduceOp) -> None:
        """Combine ``buf`` over the ranks with ``op`` (SUM, PRODUCT, MIN, MAX), in place on every rank."""

    def iallreduce(self, buf: Any, op: ReduceOp) -> Work:
        """``allreduce`` started now and finished by ``Work.wait()``; by default it runs at once."""
        self.allreduce(buf, op)
        return CompletedWork("allreduce")

    @abc.abstractmethod
    def broadcast(self, buf: Any, src: int) -> None:
        """Overwrite ``buf`` on every rank with rank ``src``'s."""

    @abc.abstractmethod
    def allgather(self, send: Any, recv: Any) -> None:
        """``recv[r] = send`` of rank r, on every rank; ``recv`` has shape ``(world_size, *send.shape)``."""

    @abc.abstractmethod
    def barrier(self) -> None:
        """Return once every rank has called it."""

    # ---- defaults built from the protocol --------------------------------------------------------

    def reduce_scatter(self, send: Any, recv: Any, op: ReduceOp) -> None:
        """``recv`` = the ``op``-combination over ranks of ``send[rank]``; ``send`` is ``(world_size, *recv.shape)``."""
        whole = send.copy()
        self.allreduce(whole, op)
        recv[...] = whole[self.rank]

    def gather(self, send: Any, recv: Any | None, dst: int) -> None:
        """On rank ``dst``, ``recv[r] = send`` of rank r; other ranks pass ``recv=None``."""
        whole = recv if recv is not None else empty_stack(send, self.world_size)
        self.allgather(send, whole)

    def scatter(self, send: Any | None, recv: Any, src: int) -> None:
        """``recv = send[rank]`` of rank ``src``'s ``send`` (``(world_size, *recv.shape)``, None elsewhere)."""
        whole = send if send is not None else empty_stack(recv, self.world_size)
        self.broadcast(whole, src)
        recv[...] = whole[self.rank]

    # ---- life cycle ------------------------------------------------------------------------------
    def abort(self, reason: str) -> None:
        """Tear the whole group down at once after a failure (MPI_Abort); may not return."""

    def close(self) -> None:
        """Release the backend's resources after a clean end (every rank calls it)."""

