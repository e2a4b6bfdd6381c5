"""The default process group: ``init_process_group`` and the questions asked of it (rank, size, backend).

A process-wide backend (mpi, nccl) makes one group per process; an in-process backend (threads) makes one
per thread, so each thread of a test is its own rank.
"""
from __future__ import annotations

import datetime
import os
import threading

from . import registry
from .backend import CommBackend
from .errors import DistError

DEFAULT_TIMEOUT_S = 1800.0  # PyTorch's default; NR_DIST_TIMEOUT (seconds) changes it
NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
_ENV_KEYS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")


class ProcessGroup:
    """The ranks that communicate together, and the backend they communicate through."""

    def __init__(self, backend: CommBackend, name: str) -> None:
        self.backend, self.backend_name = backend, name
        self.rank, self.world_size = backend.rank, backend.world_size
        self._env_set: list[str] = []

    def __repr__(self) -> str:
        return f"<ProcessGroup backend={self.backend_name!r} rank={self.rank} world_size={self.world_size}>"


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.group: ProcessGroup | None = None


_THREAD = _PerThread()
_PROCESS: list[ProcessGroup] = []  # zero or one process-wide group


def _seconds(timeout) -> float:
    if timeout is None:
        env = os.environ.get("NR_DIST_TIMEOUT")
        timeout = float(env) if env else DEFAULT_TIMEOUT_S
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"init_process_group: timeout must be a positive number of seconds or a timedelta, "
                         f"got {timeout!r}")
    return float(timeout)


def default_group() -> ProcessGroup | None:
    return _THREAD.group or (_PROCESS[0] if _PROCESS else None)


def resolve(group, what: str) -> ProcessGroup:
    """``group`` (None: the default group) as a ProcessGroup, or the error PyTorch gives."""
    if group is None:
        group = default_group()
        if group is None:
            raise ValueError(f"{what}: {NOT_INITIALIZED}")
        return group
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"{what}: group must be a ProcessGroup or None, got {type(group).__name__}")
    return group


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout=None,
                       world_size: int = -1, rank: int = -1) -> None:
    """Join the default process group through ``backend`` ("mpi", "nccl", "threads" or a plugin's name).

    Under MPI (``mpiexec -n N python train.py``) rank and world size come from the launcher; the threads
    backend needs both, one thread per rank (``launch_threads`` does that). ``timeout`` (seconds or a
    ``timedelta``, default ``NR_DIST_TIMEOUT`` or 1800 s) bounds every blocking collective.
    """
    name = "mpi" if backend is None else backend
    if not isinstance(name, str):
        raise TypeError(f"init_process_group: backend must be a string such as 'mpi', got {type(backend).__name__}")
    for value, label in ((world_size, "world_size"), (rank, "rank")):
        if not isinstance(value, int) or value < -1:
            raise ValueError(f"init_process_group: {label} must be a non-negative int (or -1: from the launcher), "
                             f"got {value!r}")
    if world_size == 0:
        raise ValueError("init_process_group: world_size must be at least 1, got 0")
    if rank >= 0 and world_size > 0 and rank >= world_size:
        raise ValueError(f"init_process_group: rank {rank} is out of range for world_size {world_size}")
    seconds = _seconds(timeout)
    if default_group() is not None:
        raise DistError("init_process_group: trying to initialize the default process group twice!")
    factory = registry.load(name)
    comm = factory(rank=None if rank < 0 else rank, world_size=None if world_size < 0 else world_size,
                   timeout=seconds, init_method=init_method)
    if not isinstance(comm, CommBackend):
        raise TypeError(f"init_process_group: backend {name!r} returned {type(comm).__name__}, not a CommBackend")
    group = ProcessGroup(comm, name.lower())
    if comm.per_thread:
        _THREAD.group = group
        return
    _PROCESS.append(group)
    values = (comm.rank, comm.world_size, comm.local_rank, comm.local_world_size)
    for key, value in zip(_ENV_KEYS, values):
        if key not in os.environ:  # what nr_data.DistributedSampler and user code read, as under torchrun
            os.environ[key] = str(value)
            group._env_set.append(key)


def destroy_process_group(group=None) -> None:
    """Leave the default process group (every rank calls it); the backend's resources are released."""
    group = resolve(group, "destroy_process_group")
    try:
        group.backend.close()
    finally:
        if _THREAD.group is group:
            _THREAD.group = None
        if _PROCESS and _PROCESS[0] is group:
            _PROCESS.clear()
            for key in group._env_set:
                os.environ.pop(key, None)


def is_initialized() -> bool:
    return default_group() is not None


def is_available() -> bool:
    return True


def get_rank(group=None) -> int:
    return resolve(group, "get_rank").rank


def get_world_size(group=None) -> int:
    return resolve(group, "get_world_size").world_size


def get_backend(group=None) -> str:
    return resolve(group, "get_backend").backend_name


def is_mpi_available() -> bool:
    try:
        from mpi4py import MPI  # noqa: F401
    except Exception:  # ImportError, or mpi4py that finds no MPI library
        return False
    return True


def is_nccl_available() -> bool:
    try:
        from cupy.cuda import nccl  # noqa: F401
    except Exception:  # ImportError, or CuPy present without a CUDA runtime
        return False
    return bool(getattr(nccl, "available", True))
