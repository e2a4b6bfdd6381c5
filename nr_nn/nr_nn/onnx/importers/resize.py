"""``Resize`` (and the older ``Upsample``): nearest and linear, one axis at a time, as gathers with host-computed
source positions and weights, so the result is differentiable and runs on any backend."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr

from ._base import impl, ints

_NEAREST = {
    "round_prefer_floor": lambda x: np.ceil(x - 0.5),
    "round_prefer_ceil": lambda x: np.floor(x + 0.5),
    "floor": np.floor,
    "ceil": np.ceil,
}


def _source(mode: str, out: int, n: int, scale: float) -> np.ndarray:
    """The input coordinate of every output position along one axis."""
    o = np.arange(out, dtype=np.float64)
    if mode == "half_pixel":
        return (o + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (o + 0.5) / scale - 0.5 if out > 1 else np.zeros(out)
    if mode == "align_corners":
        return o * (n - 1) / (out - 1) if out > 1 else np.zeros(out)
    if mode == "asymmetric":
        return o / scale
    if mode == "tf_half_pixel_for_nn":
        return (o + 0.5) / scale
    if mode == "half_pixel_symmetric":
        adj = out / (scale * n)
        center = n / 2
        offset = center * (1 - adj)
        return offset + (o + 0.5) / scale - 0.5
    raise ValueError(f"coordinate_transformation_mode {mode!r} is not supported")


def _resize_axis(x, axis: int, out: int, scale: float, a: dict):
    n = x.shape[axis]
    coord = a.get("coordinate_transformation_mode", "half_pixel")
    src = _source(coord, out, n, scale)
    mode = a.get("mode", "nearest")
    if mode == "nearest":
        pick = _NEAREST[a.get("nearest_mode", "round_prefer_floor")](src)
        idx = np.clip(pick, 0, n - 1).astype(np.int64)
        return nr.take(x, nr.asarray(idx, device=x.device), axis=axis)
    if mode == "linear":
        src = np.clip(src, 0, n - 1)
        lo = np.floor(src).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        w = (src - lo).astype(np.dtype(x.dtype.numpy))
        shape = (1,) * axis + (out,) + (1,) * (x.ndim - axis - 1)
        wt = nr.reshape(nr.asarray(w, device=x.device), shape)
        a0 = nr.take(x, nr.asarray(lo, device=x.device), axis=axis)
        a1 = nr.take(x, nr.asarray(hi, device=x.device), axis=axis)
        return a0 + (a1 - a0) * wt
    raise ValueError(f"mode {mode!r} is not supported (nearest and linear are)")


def _resize(x, scales, sizes, a: dict):
    if a.get("antialias", 0):
        raise ValueError("antialias=1 is not supported")
    axes = a.get("axes") or list(range(x.ndim))
    axes = [i % x.ndim for i in axes]
    policy = a.get("keep_aspect_ratio_policy", "stretch")
    common = None
    if sizes is not None and policy != "stretch":  # one scale for every axis, the smallest or largest asked
        pick = {"not_larger": min, "not_smaller": max}[policy]
        common = pick(size / x.shape[ax] for size, ax in zip(sizes, axes))
        sizes = [int(np.floor(common * x.shape[ax] + 0.5)) for ax in axes]
    out = x
    for k, ax in enumerate(axes):
        n = x.shape[ax]
        if sizes is not None:
            size = sizes[k]
            scale = common if common is not None else size / n
        else:
            scale = float(scales[k])
            size = int(math.floor(n * scale))
        if size != n or scale != 1.0:
            out = _resize_axis(out, ax, size, scale, a)
    return out


@impl("Resize")
def _resize_op(ctx, a, x, roi=None, scales=None, sizes=None):
    if a.get("coordinate_transformation_mode") == "tf_crop_and_resize":
        raise ValueError("Resize: coordinate_transformation_mode 'tf_crop_and_resize' is not supported")
    if ctx.opset < 11:  # Resize-10: (X, scales), asymmetric coordinates, nearest rounds down
        scales, a = roi, dict(a, coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    s = None if scales is None or scales.size == 0 else [float(v) for v in np.asarray(scales.tolist()).reshape(-1)]
    z = None if sizes is None or sizes.size == 0 else ints(sizes)
    if s is None and z is None:
        raise ValueError("Resize: neither scales nor sizes given")
    return _resize(x, s, z, a)


@impl("Upsample")
def _upsample(ctx, a, x, scales=None):
    s = a["scales"] if scales is None else [float(v) for v in np.asarray(scales.tolist()).reshape(-1)]
    mode = a.get("mode", "nearest")
    attrs = {"mode": "linear" if mode in ("linear", "bilinear") else mode,
             "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    return _resize(x, s, None, attrs)

