"""Normalisation: batch, layer (fused op), group, instance norm, and ``normalize``."""
from __future__ import annotations

import math

import nr_core as nr
from nr_core.dtypes import LOW_PRECISION
from nr_core.amp import autocast_policy

from ..ops.normalization import batch_norm as _batch_norm_op
from ..ops.normalization import affine as _affine_op
from ..ops.normalization import layer_norm as _layer_norm_op
from ._checks import floating, same, same_or_float32


def _channel_shape(x):
    return (1, -1) + (1,) * (x.ndim - 2)


def _affine(out, weight, bias, shape):
    if weight is not None:
        out = out * nr.reshape(weight, shape)
    if bias is not None:
        out = out + nr.reshape(bias, shape)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalise over every axis but the channel axis 1; in training, update the running statistics in place.
    A 16-bit input may come with float32 statistics and affine terms (as autocast leaves them): statistics and
    normalisation run in float32 and the result is stored back in the input's dtype, as PyTorch's CPU kernel."""
    x = floating(input, "batch_norm")
    same_or_float32("batch_norm", x, running_mean, running_var, weight, bias)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected at least a 2-D input (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.shape != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},) for input {x.shape}, got {t.shape}")
    low = x.dtype if x.dtype in LOW_PRECISION else None
    if low is not None:
        x, weight, bias = (None if t is None else nr.astype(t, nr.float32) for t in (x, weight, bias))
    if training:
        n = x.size // c
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input {x.shape}")
        # one fused op: batch statistics, normalisation and the affine terms (its backward is one op too)
        out, mean, var = _batch_norm_op(x, weight, bias, float(eps))
        if running_mean is not None:
            with nr.no_grad():
                m = momentum
                running_mean.copy_(running_mean * (1 - m) + mean.detach() * m)
                running_var.copy_(running_var * (1 - m) + var.detach() * (m * n / (n - 1)))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are required when training=False")
        shape = _channel_shape(x)
        out = (x - nr.reshape(running_mean, shape)) / nr.sqrt(nr.reshape(running_var, shape) + eps)
        out = _affine(out, weight, bias, shape)
    return out if low is None else nr.astype(out, low)


@autocast_policy("layer_norm", "fp32")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    x = floating(input, "layer_norm")
    same("layer_norm", x, weight, bias)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(shape):] != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm: normalized_shape {shape} does not match the trailing dims of input {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {t.shape}")
    out = _layer_norm_op(x, len(shape), float(eps))
    if weight is None:
        return out if bias is None else out + bias
    return _affine_op(out, weight, bias)  # one node for both terms, its backward one kernel


@autocast_policy("group_norm", "fp32")
def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    x = floating(input, "group_norm")
    same("group_norm", x, weight, bias)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(f"group_norm: the {x.shape[1] if x.ndim > 1 else '?'} channels of input {x.shape} must "
                         f"divide into num_groups={num_groups}")
    n, c = x.shape[:2]
    g = nr.reshape(x, (n, num_groups, -1))
    out = nr.reshape(_layer_norm_op(g, 1, float(eps)), x.shape)
    return _affine(out, weight, bias, _channel_shape(x))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    x = floating(input, "instance_norm")
    same_or_float32("instance_norm", x, running_mean, running_var, weight, bias)
    low = x.dtype if x.dtype in LOW_PRECISION else None
    if low is not None:  # as batch_norm
        x = nr.astype(x, nr.float32)
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, *spatial), got shape {x.shape}")
    n, c = x.shape[:2]
    shape = _channel_shape(x)
    if use_input_stats:
        flat = nr.reshape(x, (n, c, -1))
        out = nr.reshape(_layer_norm_op(flat, 1, float(eps)), x.shape)
        if running_mean is not None:
            with nr.no_grad():
                k = flat.shape[-1]
                mean = nr.mean(flat.detach(), axis=(0, 2))
                var = nr.mean(nr.var(flat.detach(), axis=2, correction=1), axis=0) if k > 1 else nr.zeros_like(mean)
                running_mean.copy_(running_mean * (1 - momentum) + mean * momentum)
                running_var.copy_(running_var * (1 - momentum) + var * momentum)
    else:
        out = (x - nr.reshape(running_mean, shape)) / nr.sqrt(nr.reshape(running_var, shape) + eps)
    out = _affine(out, weight, bias, shape)
    return out if low is None else nr.astype(out, low)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """``x / max(||x||_p, eps)`` along ``dim``."""
    x = floating(input, "normalize")
    if p == math.inf:
        norm = nr.max(nr.abs(x), axis=dim, keepdims=True)
    else:
        norm = nr.pow(nr.sum(nr.pow(nr.abs(x), float(p)), axis=dim, keepdims=True), 1.0 / p)
    return x / nr.clip(norm, min=eps)


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    x = floating(input, "local_response_norm")
    sq = x * x
    c = x.shape[1]
    lo, hi = size // 2, (size - 1) // 2
    zeros_lo = nr.zeros((x.shape[0], lo) + x.shape[2:], dtype=x.dtype, device=x.device)
    zeros_hi = nr.zeros((x.shape[0], hi) + x.shape[2:], dtype=x.dtype, device=x.device)
    padded = nr.concat([zeros_lo, sq, zeros_hi], axis=1)
    acc = padded[:, 0:c]
    for i in range(1, size):
        acc = acc + padded[:, i:i + c]
    return x / nr.pow(acc * (alpha / size) + k, beta)
