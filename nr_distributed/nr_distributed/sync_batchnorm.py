"""``SyncBatchNorm``: batch normalisation whose statistics cover the whole batch across every rank."""
from __future__ import annotations

import nr_autograd as autograd
import nr_core as nr
import nr_nn as nn
from nr_nn.layers.normalization import _BatchNorm

from .collectives import all_reduce
from .group import default_group, resolve
from .reduce_op import ReduceOp


class _AllReduceSum(autograd.Function):
    """Sum over ranks, differentiable: every rank's output depends on every rank's input, so the gradient of
    an input is the sum over ranks of the output gradients."""

    @staticmethod
    def forward(ctx, x, group):
        ctx.group = group
        out = x.clone()
        all_reduce(out, ReduceOp.SUM, group=group)
        return out

    @staticmethod
    def backward(ctx, grad):
        out = grad.clone()
        all_reduce(out, ReduceOp.SUM, group=ctx.group)
        return out, None


def sync_batch_norm(x, running_mean, running_var, weight, bias, momentum: float, eps: float, group):
    """Batch norm in training mode with mean and variance over the union of the ranks' batches."""
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    count = nr.asarray([float(x.size // c)], dtype=x.dtype, device=x.device)
    sums = _AllReduceSum.apply(nr.concat([nr.sum(x, axis=axes), count]), group)
    n = int(round(float(sums[c].item())))
    if n <= 1:
        raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel when training, got {n} over all "
                         f"ranks (input {x.shape} here)")
    mean = sums[:c] / n
    d = x - nr.reshape(mean, shape)
    var = _AllReduceSum.apply(nr.sum(d * d, axis=axes), group) / n  # two passes: no E[x^2] - E[x]^2 cancellation
    out = d / nr.sqrt(nr.reshape(var, shape) + eps)
    if running_mean is not None:
        with nr.no_grad():
            running_mean.copy_(running_mean * (1 - momentum) + mean.detach() * momentum)
            running_var.copy_(running_var * (1 - momentum) + var.detach() * (momentum * n / (n - 1)))
    if weight is not None:
        out = out * nr.reshape(weight, shape)
    if bias is not None:
        out = out + nr.reshape(bias, shape)
    return out


class SyncBatchNorm(_BatchNorm):
    """PyTorch's ``SyncBatchNorm``: in training, with more than one rank, the statistics are those of the global
    batch (two small all-reduces forward, two backward); otherwise it is ``BatchNorm``. Any input ``(N, C, *)``."""

    _ndims = (2, 3, 4, 5)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _group(self):
        return default_group() if self.process_group is None else resolve(self.process_group, "SyncBatchNorm")

    def forward(self, input):
        group = self._group()
        if not (self.training and group is not None and group.world_size > 1):
            return super().forward(input)
        self._check_input(input)
        factor = self._factor()
        mean, var = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        return sync_batch_norm(input, mean, var, self.weight, self.bias, factor, self.eps, group)

    @classmethod
    def convert_sync_batchnorm(cls, module: nn.Module, process_group=None) -> nn.Module:
        """``module`` with every BatchNorm1d/2d/3d replaced by a SyncBatchNorm sharing its parameters and
        running statistics (the root itself is returned replaced when it is one)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            ref = module.weight if module.affine else module.running_mean
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group, device=None if ref is None else ref.device,
                      dtype=None if ref is None else ref.dtype)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            if module.track_running_stats:
                out.running_mean, out.running_var = module.running_mean, module.running_var
                out.num_batches_tracked = module.num_batches_tracked
            out.train(module.training)
        for name, child in list(module.named_children()):
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
