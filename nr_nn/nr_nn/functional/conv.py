"""Convolutions (1-3 d, any N-d through ``conv_nd``) and transposed convolutions, over the fused conv ops."""
from __future__ import annotations

import nr_core as nr
from nr_core.amp import autocast_policy

from ..ops import conv as _ops
from ._checks import at_least, floating, ntuple, same


def _prepare(fn, nd, input, weight, bias):
    x = floating(input, fn)
    same(fn, x, weight, bias)
    if weight.ndim != nd + 2:
        raise ValueError(f"{fn}: weight must be {nd + 2}-D, got shape {weight.shape}")
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{fn}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape {x.shape}")
    batched = x.ndim == nd + 2
    return (x if batched else nr.expand_dims(x, axis=0)), batched


def _check_groups(fn, x, weight, bias, groups, transposed):
    c = x.shape[1]
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    in_per_group = weight.shape[0] // groups if transposed else weight.shape[1]
    out_ch = weight.shape[1] * groups if transposed else weight.shape[0]
    if c % groups or c != (weight.shape[0] if transposed else in_per_group * groups) or (
            not transposed and out_ch % groups):
        raise ValueError(f"{fn}: input with {c} channels (shape {x.shape}) does not match weight {weight.shape} "
                         f"with groups={groups}")
    if bias is not None and bias.shape != (out_ch,):
        raise ValueError(f"{fn}: bias must have shape ({out_ch},), got {bias.shape}")
    return out_ch


def _geometry(fn, nd, weight, stride, dilation):
    """Stride, dilation and kernel size, each positive (a zero stride or kernel would make no sense of the output)."""
    ksize = at_least(tuple(weight.shape[2:]), 1, fn, "kernel size (the weight's trailing dims)")
    return (at_least(ntuple(stride, nd, fn, "stride"), 1, fn, "stride"),
            at_least(ntuple(dilation, nd, fn, "dilation"), 1, fn, "dilation"), ksize)


def _finish(out, bias, nd, batched):
    if bias is not None:
        out = out + nr.reshape(bias, (-1,) + (1,) * nd)
    return out if batched else out[0]


@autocast_policy("conv_nd", "low")
def conv_nd(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1, *, nd: int | None = None,
            fn: str = "conv_nd"):
    """Cross-correlation over the trailing ``nd`` dims (inferred from the weight when not given)."""
    nd = weight.ndim - 2 if nd is None else nd
    x, batched = _prepare(fn, nd, input, weight, bias)
    _check_groups(fn, x, weight, bias, groups, False)
    stride, dilation, ksize = _geometry(fn, nd, weight, stride, dilation)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{fn}: padding='same' is not supported for strided convolutions (stride {stride})")
            tot = [d * (k - 1) for d, k in zip(dilation, ksize)]
            pads = tuple((t // 2, t - t // 2) for t in tot)
        else:
            raise ValueError(f"{fn}: padding must be 'valid', 'same', an int or {nd} ints, got {padding!r}")
    else:
        pads = tuple((p, p) for p in ntuple(padding, nd, fn, "padding"))
    if any(lo < 0 for lo, _ in pads):
        raise ValueError(f"{fn}: padding must be >= 0, got {padding!r}")
    for n, (lo, hi), k, d in zip(x.shape[2:], pads, ksize, dilation):
        if n + lo + hi < d * (k - 1) + 1:
            raise ValueError(f"{fn}: input {x.shape} padded by {pads} is smaller than the dilated kernel "
                             f"{tuple(ksize)} (dilation {dilation})")
    return _finish(_ops.conv(x, weight, stride, pads, dilation, groups), bias, nd, batched)


@autocast_policy("conv1d", "low")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv_nd(input, weight, bias, stride, padding, dilation, groups, nd=1, fn="conv1d")


@autocast_policy("conv2d", "low")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv_nd(input, weight, bias, stride, padding, dilation, groups, nd=2, fn="conv2d")


@autocast_policy("conv3d", "low")
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv_nd(input, weight, bias, stride, padding, dilation, groups, nd=3, fn="conv3d")


@autocast_policy("conv_transpose_nd", "low")
def conv_transpose_nd(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                      dilation=1, *, nd: int | None = None, fn: str = "conv_transpose_nd"):
    """The adjoint of ``conv_nd``; weight (in_channels, out_channels / groups, *kernel)."""
    nd = weight.ndim - 2 if nd is None else nd
    x, batched = _prepare(fn, nd, input, weight, bias)
    _check_groups(fn, x, weight, bias, groups, True)
    stride, dilation, _ = _geometry(fn, nd, weight, stride, dilation)
    padding = at_least(ntuple(padding, nd, fn, "padding"), 0, fn, "padding")
    output_padding = ntuple(output_padding, nd, fn, "output_padding")
    for op, s, d in zip(output_padding, stride, dilation):
        if not 0 <= op < max(s, d):
            raise ValueError(f"{fn}: output_padding {output_padding} must be smaller than stride {stride} or "
                             f"dilation {dilation}")
    pads = tuple((p, p - op) for p, op in zip(padding, output_padding))
    for n, (lo, hi), k, s, d in zip(x.shape[2:], pads, weight.shape[2:], stride, dilation):
        if (n - 1) * s + d * (k - 1) + 1 - lo - hi <= 0:
            raise ValueError(f"{fn}: input {x.shape} with padding {padding} gives an empty output")
    return _finish(_ops.conv_transpose(x, weight, stride, pads, dilation, groups), bias, nd, batched)


@autocast_policy("conv_transpose1d", "low")
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, nd=1,
                             fn="conv_transpose1d")


@autocast_policy("conv_transpose2d", "low")
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, nd=2,
                             fn="conv_transpose2d")


@autocast_policy("conv_transpose3d", "low")
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, nd=3,
                             fn="conv_transpose3d")
