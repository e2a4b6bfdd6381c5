"""``interpolate`` (nearest, nearest-exact, linear/bilinear/trilinear, area), separable along each spatial dim."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr

from ._checks import floating
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_AREA = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}


def _sizes(x, nd, size, scale_factor):
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * nd if isinstance(size, int) else tuple(size)
        if len(sizes) != nd:
            raise ValueError(f"interpolate: size must be an int or {nd} ints for input {x.shape}, got {size!r}")
        return sizes, [None] * nd
    scales = (scale_factor,) * nd if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(scales) != nd:
        raise ValueError(f"interpolate: scale_factor must be a number or {nd} numbers, got {scale_factor!r}")
    return tuple(int(math.floor(n * s)) for n, s in zip(x.shape[2:], scales)), list(scales)


def _source(mode, n_in, n_out, scale, align_corners):
    """Per output index: (low index, high index, weight of high) into the input axis, on the host."""
    dst = np.arange(n_out, dtype=np.float64)
    ratio = (1.0 / scale) if scale is not None else n_in / n_out
    if mode in ("nearest", "nearest-exact"):
        src = np.floor((dst + (0.5 if mode == "nearest-exact" else 0.0)) * ratio)
        idx = np.minimum(src.astype(np.int64), n_in - 1)
        return idx, idx, None
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros_like(dst)
    else:
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, src - lo


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False):
    x = floating(input, "interpolate")
    nd = x.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got shape {x.shape}")
    if mode in _LINEAR and _LINEAR[mode] != nd:
        raise ValueError(f"interpolate: mode {mode!r} needs a {_LINEAR[mode] + 2}-D input, got shape {x.shape}")
    if mode not in ("nearest", "nearest-exact", "area", *_LINEAR):
        raise ValueError(f"interpolate: mode must be nearest, nearest-exact, linear, bilinear, trilinear or area, "
                         f"got {mode!r}")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(f"interpolate: align_corners only applies to linear modes, not {mode!r}")
    sizes, scales = _sizes(x, nd, size, scale_factor)
    if mode == "area":
        return _AREA[nd](x, sizes)
    if recompute_scale_factor:
        scales = [None] * nd
    for i, (n_out, scale) in enumerate(zip(sizes, scales)):
        a = 2 + i
        lo, hi, w = _source(mode, x.shape[a], n_out, scale, bool(align_corners))
        low = nr.take(x, nr.asarray(lo, device=x.device), axis=a)
        if w is None:
            x = low
            continue
        high = nr.take(x, nr.asarray(hi, device=x.device), axis=a)
        wt = nr.asarray(w.reshape((-1,) + (1,) * (nd - 1 - i)), dtype=x.dtype, device=x.device)
        x = low + (high - low) * wt
    return x


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input, upscale_factor: int):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r), as PyTorch's (sub-pixel convolution's rearrangement)."""
    x = floating(input, "pixel_shuffle")
    r = _factor("pixel_shuffle", upscale_factor)
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expects (*, C * {r}^2, H, W) input, got shape {x.shape}")
    *lead, c, h, w = x.shape
    k = len(lead)
    y = nr.reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = nr.permute_dims(y, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return nr.reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor: int):
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W), the inverse of ``pixel_shuffle``."""
    x = floating(input, "pixel_unshuffle")
    r = _factor("pixel_unshuffle", downscale_factor)
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(f"pixel_unshuffle: expects (*, C, H, W) with H and W divisible by {r}, got shape {x.shape}")
    *lead, c, h, w = x.shape
    k = len(lead)
    y = nr.reshape(x, (*lead, c, h // r, r, w // r, r))
    y = nr.permute_dims(y, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return nr.reshape(y, (*lead, c * r * r, h // r, w // r))


def _factor(fn, r):
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise ValueError(f"{fn}: the factor must be a positive int, got {r!r}")
    return r
