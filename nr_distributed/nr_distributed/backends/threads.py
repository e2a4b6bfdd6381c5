"""``threads``: every rank is a thread of one process, meeting at a barrier; for tests and single-machine demos.

Values are exchanged through shared slots, and reduced in rank order, so every rank gets bitwise the same
result. A rank that fails (``abort``) or a barrier that outlives the timeout breaks the barrier for all, and
each waiting rank raises ``DistBackendError`` naming the failed rank.
"""
from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np

from ..backend import CommBackend
from ..errors import DistBackendError
from ..reduce_op import ReduceOp

_COMBINE = {ReduceOp.SUM: np.add, ReduceOp.PRODUCT: np.multiply, ReduceOp.MIN: np.minimum,
            ReduceOp.MAX: np.maximum}


class _World:
    """The meeting point of the ranks of one ``init_method`` name."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.slots: list = [None] * size
        self.barrier = threading.Barrier(size)
        self.joined: set[int] = set()
        self.left = 0
        self.failure: tuple[int, str] | None = None

    def exchange(self, rank: int, value: Any, what: str, timeout: float) -> list:
        """Every rank's ``value``, once all have given theirs; every rank raises if they are not all in ``what``."""
        self.slots[rank] = (what, value)
        self._meet(rank, what, timeout)
        entries = list(self.slots)
        if any(w != what for w, _ in entries):
            calls = ", ".join(f"rank {r} in {w}" for r, (w, _) in enumerate(entries))
            raise DistBackendError(f"{what} on rank {rank}: the ranks called different collectives ({calls})")
        self._meet(rank, what, timeout)  # nobody overwrites a slot before everyone has read it
        return [v for _, v in entries]

    def _meet(self, rank: int, what: str, timeout: float) -> None:
        try:
            self.barrier.wait(timeout)
        except threading.BrokenBarrierError:
            if self.failure is None:
                self.failure = (rank, f"{what} timed out after {timeout:g} s")
                raise DistBackendError(f"{what} on rank {rank}: the other ranks did not join within {timeout:g} s "
                                       "(a rank died, hung, or stopped calling the same collectives)") from None
            failed, reason = self.failure
            raise DistBackendError(f"{what} on rank {rank}: rank {failed} failed ({reason}); the process group "
                                   "is aborted") from None

    def abort(self, rank: int, reason: str) -> None:
        if self.failure is None:
            self.failure = (rank, reason)
        self.barrier.abort()


_WORLDS: dict[str, _World] = {}
_LOCK = threading.Lock()


class ThreadsBackend(CommBackend):
    name = "threads"
    per_thread = True

    def __init__(self, rank: int | None = None, world_size: int | None = None, timeout: float = 60.0,
                 init_method: str | None = None) -> None:
        if rank is None or world_size is None:
            raise ValueError("init_process_group(backend='threads'): pass rank= and world_size=; each thread is one "
                             "rank (nr_distributed.launch_threads starts them for you)")
        super().__init__(rank, world_size, timeout)
        self.key = init_method or "threads://default"
        with _LOCK:
            world = _WORLDS.get(self.key)
            if world is None or world.failure is not None:
                world = _WORLDS[self.key] = _World(world_size)
            if world.size != world_size:
                raise ValueError(f"init_process_group(backend='threads'): {self.key!r} has world_size {world.size}, "
                                 f"rank {rank} asked for {world_size}")
            if rank in world.joined:
                raise ValueError(f"init_process_group(backend='threads'): rank {rank} already joined {self.key!r}")
            world.joined.add(rank)
        self.world = world
        world.exchange(rank, None, "init_process_group", timeout)

    def _exchange(self, value: Any, what: str) -> list:
        return self.world.exchange(self.rank, value, what, self.timeout)

    def _arrays(self, buf, what: str) -> list:
        """Every rank's copy of ``buf``; the same error on every rank when their shapes or dtypes differ."""
        values = self._exchange(np.array(buf, copy=True), what)
        if any(v.shape != values[0].shape or v.dtype != values[0].dtype for v in values):
            raise DistBackendError(f"{what} on rank {self.rank}: the ranks passed different arrays: "
                                   + ", ".join(f"rank {r}: {v.dtype}{list(v.shape)}" for r, v in enumerate(values)))
        return values

    def allreduce(self, buf, op: ReduceOp) -> None:
        buf[...] = functools.reduce(_COMBINE[op], self._arrays(buf, "all_reduce"))

    def broadcast(self, buf, src: int) -> None:
        values = self._exchange(np.array(buf, copy=True) if self.rank == src else None, "broadcast")
        buf[...] = values[src]

    def allgather(self, send, recv) -> None:
        for r, v in enumerate(self._arrays(send, "all_gather")):
            recv[r] = v

    def barrier(self) -> None:
        self._exchange(None, "barrier")

    def abort(self, reason: str) -> None:
        self.world.abort(self.rank, reason)

    def close(self) -> None:
        self._exchange(None, "destroy_process_group")
        with _LOCK:
            self.world.left += 1
            if self.world.left == self.world.size and _WORLDS.get(self.key) is self.world:
                del _WORLDS[self.key]
