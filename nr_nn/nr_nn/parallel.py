"""``nn.parallel``: ``DataParallel`` as a passthrough on the module's one device, and ``DistributedDataParallel`` /
``SyncBatchNorm``, which live in nr-distributed.

nr-nn does not depend on nr-distributed: those two names are looked up there on first use, with a clear error
when it is not installed.
"""
from __future__ import annotations

import warnings

from .module import Module

__all__ = ["DataParallel", "DistributedDataParallel", "SyncBatchNorm"]
_DISTRIBUTED = ("DistributedDataParallel", "SyncBatchNorm")


class DataParallel(Module):
    """Runs ``module`` unchanged on its own device, with PyTorch's ``module.``-prefixed state_dict keys, and warns
    once at construction that nothing is split across devices."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected an nn.Module, got {type(module).__name__}")
        warnings.warn("DataParallel: nr runs the module on its one device, without splitting the batch across "
                      "devices; for several devices or processes use nr_distributed.DistributedDataParallel",
                      UserWarning, stacklevel=2)
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def __getattr__(name: str):
    if name not in _DISTRIBUTED:
        raise AttributeError(f"module 'nr_nn.parallel' has no attribute {name!r}")
    try:
        import nr_distributed
    except ImportError as exc:
        raise ImportError(f"nr_nn.parallel.{name} is part of nr-distributed: pip install nr-distributed "
                          '(or pip install "neurarust[distributed]")') from exc
    value = getattr(nr_distributed, name)
    globals()[name] = value
    return value
