"""Geometry kernels on host numpy images ``[..., H, W]``: resize, pad, rotate (crop and flip are slicing)."""
from __future__ import annotations

import math

import numpy as np

from ._kinds import cast_back

PAD_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def _source_coords(out_size: int, in_size: int, mode: str) -> tuple[np.ndarray, ...]:
    """Source positions of each output pixel, as torch's interpolate(align_corners=False) computes them."""
    scale = in_size / out_size
    dst = np.arange(out_size, dtype=np.float64)
    if mode == "nearest":
        return (np.minimum(np.floor(dst * scale).astype(np.int64), in_size - 1),)
    src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, (src - i0).astype(np.float32)


def resize(img: np.ndarray, size: tuple[int, int], mode: str) -> np.ndarray:
    """Resize the last two axes to ``size`` (h, w) with "nearest" or "bilinear" (no antialiasing)."""
    h, w = size
    if mode == "nearest":
        (ry,), (rx,) = _source_coords(h, img.shape[-2], mode), _source_coords(w, img.shape[-1], mode)
        return img[..., ry[:, None], rx[None, :]]
    y0, y1, ly = _source_coords(h, img.shape[-2], mode)
    x0, x1, lx = _source_coords(w, img.shape[-1], mode)
    f = img.astype(np.float32, copy=False) if img.dtype != np.float64 else img
    rows = f[..., y0, :] * (1 - ly)[:, None] + f[..., y1, :] * ly[:, None]
    out = rows[..., x0] * (1 - lx) + rows[..., x1] * lx
    return cast_back(out, img.dtype)


def pad(img: np.ndarray, padding: tuple[int, int, int, int], fill, mode: str) -> np.ndarray:
    """Pad the last two axes by (left, top, right, bottom); ``fill`` is a number or one value per channel."""
    left, top, right, bottom = padding
    widths = [(0, 0)] * (img.ndim - 2) + [(top, bottom), (left, right)]
    if mode != "constant":
        return np.pad(img, widths, mode=PAD_MODES[mode])
    fills = np.asarray(fill, dtype=np.float64).reshape(-1)
    if fills.size == 1:
        return np.pad(img, widths, mode="constant", constant_values=fills[0])
    if img.ndim < 3 or img.shape[-3] != fills.size:
        raise ValueError(f"Pad: fill has {fills.size} values for an image of shape {img.shape}")
    out = np.empty(img.shape[:-2] + (img.shape[-2] + top + bottom, img.shape[-1] + left + right), img.dtype)
    out[...] = fills.reshape(-1, 1, 1).astype(img.dtype)
    out[..., top:top + img.shape[-2], left:left + img.shape[-1]] = img
    return out


def rotated_size(h: int, w: int, angle: float) -> tuple[int, int]:
    """The (h, w) that holds a whole ``h x w`` image rotated by ``angle`` degrees (``expand=True``)."""
    a = math.radians(angle)
    c, s = abs(math.cos(a)), abs(math.sin(a))
    return (int(math.ceil(round(h * c + w * s, 4))), int(math.ceil(round(w * c + h * s, 4))))


def rotate(img: np.ndarray, angle: float, mode: str, expand: bool, center, fill) -> np.ndarray:
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` ((x, y) in pixels; default the image
    centre), sampling "nearest" or "bilinear"; pixels from outside the image take ``fill``."""
    h, w = img.shape[-2:]
    oh, ow = rotated_size(h, w, angle) if expand else (h, w)
    cx, cy = (0.0, 0.0) if center is None else (center[0] - w * 0.5, center[1] - h * 0.5)
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    # output pixel centres, relative to the rotation centre (y pointing down)
    yo = np.arange(oh, dtype=np.float64)[:, None] + 0.5 - oh * 0.5 - cy
    xo = np.arange(ow, dtype=np.float64)[None, :] + 0.5 - ow * 0.5 - cx
    xs = xo * cos - yo * sin + cx + w * 0.5 - 0.5  # inverse map into source pixel indices
    ys = xo * sin + yo * cos + cy + h * 0.5 - 0.5
    fills = np.asarray(fill, dtype=np.float64).reshape(-1)
    fill_img = fills.reshape((-1, 1, 1)) if fills.size > 1 else fills[0]
    if mode == "nearest":
        xi, yi = np.rint(xs).astype(np.int64), np.rint(ys).astype(np.int64)
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        out = img[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)].astype(np.float64)
        out = np.where(inside, out, fill_img)
        return cast_back(out, img.dtype)
    x0, y0 = np.floor(xs).astype(np.int64), np.floor(ys).astype(np.int64)
    lx, ly = xs - x0, ys - y0
    out = 0.0
    for dy, wy in ((0, 1 - ly), (1, ly)):
        for dx, wx in ((0, 1 - lx), (1, lx)):
            xi, yi = x0 + dx, y0 + dy
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            corner = np.where(inside, img[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], fill_img)
            out = out + corner * (wx * wy)
    return cast_back(np.asarray(out), img.dtype)
