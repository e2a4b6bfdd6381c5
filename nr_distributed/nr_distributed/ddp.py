"""``DistributedDataParallel``: the wrapped module trains as one model over every rank of the group."""
from __future__ import annotations

import contextlib

import nr_core as nr
import nr_nn as nn

from .coalesced import broadcast_coalesced, check_same_model
from .group import resolve
from .reducer import Reducer


class DistributedDataParallel(nn.Module):
    """PyTorch's DDP: each rank runs ``module`` on its share of the batch; gradients are averaged over the ranks
    during backward, so every rank's optimizer takes the same step.

    At wrap time the ranks' models are compared (names, shapes, dtypes) and rank 0's parameters and buffers
    are broadcast. Buffers (BatchNorm running statistics) are broadcast from rank 0 before every forward
    (``broadcast_buffers``). ``no_sync()`` accumulates gradients locally; ``find_unused_parameters=True``
    lets forward skip parameters. The wrapped model is ``.module`` (its ``state_dict`` has no ``module.``
    prefix: checkpoint that one).
    """

    def __init__(self, module: nn.Module, device_ids=None, broadcast_buffers: bool = True, process_group=None,
                 bucket_cap_mb: float = 25, find_unused_parameters: bool = False) -> None:
        super().__init__()
        if not isinstance(module, nn.Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
        if isinstance(bucket_cap_mb, bool) or not isinstance(bucket_cap_mb, (int, float)) or bucket_cap_mb <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be a positive number, got {bucket_cap_mb!r}")
        group = resolve(process_group, "DistributedDataParallel")
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        _check_device_ids(device_ids, named)
        self.module = module
        self.process_group = group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        check_same_model(module, group)
        if group.world_size > 1:
            broadcast_coalesced([p for _, p in module.named_parameters()] + list(module.buffers()), group)
        self.reducer = Reducer([p for _, p in named], [n for n, _ in named], group, int(bucket_cap_mb * 1024 * 1024),
                               find_unused_parameters)

    def forward(self, *inputs, **kwargs):
        if nr.is_grad_enabled():
            self.reducer.check_finished()
        # as PyTorch: buffers follow rank 0 after a synchronised training forward, not after no_sync or no_grad ones
        if self.broadcast_buffers and self.require_forward_param_sync and self.process_group.world_size > 1:
            buffers = list(self.module.buffers())
            if buffers:
                broadcast_coalesced(buffers, self.process_group)
        out = self.module(*inputs, **kwargs)
        training = nr.is_grad_enabled()
        if training:
            self.reducer.prepare(out, sync=self.require_backward_grad_sync)
        self.require_forward_param_sync = training and self.require_backward_grad_sync
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally; the first backward after it averages the sum."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    @property
    def last_timeline(self) -> dict:
        """perf_counter times of the last synchronised step: ``forward_end``, each bucket's ``launched`` and
        ``completed`` (with ``bytes``), ``backward_end`` and ``reduced``; for seeing communication overlap."""
        return self.reducer.timeline

    def extra_repr(self) -> str:
        return f"world_size={self.process_group.world_size}, buckets={len(self.reducer.buckets)}"


def _check_device_ids(device_ids, named) -> None:
    if device_ids is None:
        return
    devices = {str(p.device) for _, p in named}
    ids = list(device_ids) if isinstance(device_ids, (list, tuple)) else None
    wanted = None
    if ids is not None and len(ids) == 1:
        d = ids[0]
        wanted = f"cuda:{d}" if isinstance(d, int) else str(d)
    if wanted is None or devices != {wanted}:
        raise ValueError(f"DistributedDataParallel: device_ids must be None or one device holding every parameter; "
                         f"got {device_ids!r} for parameters on {sorted(devices)}")
