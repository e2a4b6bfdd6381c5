"""``nr_nn.parallel``: ``DistributedDataParallel`` and ``SyncBatchNorm``, which live in nr-distributed.

nr-nn does not depend on nr-distributed: the names are looked up there on first use, with a clear error
when it is not installed.
"""
from __future__ import annotations

__all__ = ["DistributedDataParallel", "SyncBatchNorm"]


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module 'nr_nn.parallel' has no attribute {name!r}")
    try:
        import nr_distributed
    except ImportError as exc:
        raise ImportError(f"nr_nn.parallel.{name} is part of nr-distributed: pip install nr-distributed "
                          '(or pip install "neurarust[distributed]")') from exc
    value = getattr(nr_distributed, name)
    globals()[name] = value
    return value
