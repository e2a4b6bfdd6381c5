"""nr_distributed: data-parallel training over processes and machines with torch.distributed's names.

    import nr_distributed as dist          # launched with: mpiexec -n 4 python train.py
    dist.init_process_group("mpi")         # "nccl" for CUDA arrays, "threads" for in-process tests
    model = dist.DistributedDataParallel(model)

Communication backends are plugins (entry-point group ``nr.comm_backends``); ``DistributedDataParallel`` and
``SyncBatchNorm`` (which need nr_nn) load on first use.
"""
from __future__ import annotations

from ._version import __version__
from .backend import CommBackend, CompletedWork, Work
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, barrier, broadcast, gather, reduce_scatter,
                          reduce_scatter_tensor, scatter)
from .errors import DistBackendError, DistError
from .group import (ProcessGroup, destroy_process_group, get_backend, get_rank, get_world_size, init_process_group,
                    is_available, is_initialized, is_mpi_available, is_nccl_available)
from .launch import launch_threads
from .reduce_op import ReduceOp
from .registry import available_backends, register_backend

_LAZY = {"DistributedDataParallel": ".ddp", "SyncBatchNorm": ".sync_batchnorm"}

__all__ = [
    "CommBackend", "CompletedWork", "DistBackendError", "DistError", "DistributedDataParallel", "ProcessGroup",
    "ReduceOp", "SyncBatchNorm", "Work", "__version__", "all_gather", "all_gather_into_tensor", "all_reduce",
    "available_backends", "barrier", "broadcast", "destroy_process_group", "gather", "get_backend", "get_rank",
    "get_world_size", "init_process_group", "is_available", "is_initialized", "is_mpi_available",
    "is_nccl_available", "launch_threads", "reduce_scatter", "reduce_scatter_tensor", "register_backend", "scatter",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nr_distributed' has no attribute {name!r}")
