"""ColorJitter: random brightness, contrast, saturation and hue, in a random order (torchvision's rules).
Arrays are ``[..., C, H, W]`` with C = 1 or 3, float in [0, 1] or uint8 in [0, 255]."""
from __future__ import annotations

import numbers

import numpy as np

from .._random import check_generator, rng
from ._kinds import is_pil, like, to_numpy


def _grayscale(img: np.ndarray) -> np.ndarray:
    if img.shape[-3] == 1:
        return img
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    return (0.2989 * r + 0.587 * g + 0.114 * b)[..., None, :, :]


def _blend(img: np.ndarray, other, ratio: float, bound: float) -> np.ndarray:
    return np.clip(ratio * img + (1.0 - ratio) * other, 0, bound)


def _rgb_to_hsv(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    delta = maxc - minc
    s = np.where(maxc > 0, delta / np.where(maxc > 0, maxc, 1), 0.0)
    safe = np.where(delta > 0, delta, 1)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(delta > 0, (h / 6.0) % 1.0, 0.0)
    return h, s, maxc


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.astype(np.int64) % 6
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [np.select([i == k for k in range(6)], [c[ch] for c in choices]) for ch in range(3)]
    return np.stack(out, axis=-3)


def adjust_array(img: np.ndarray, kind: str, factor: float) -> np.ndarray:
    """One colour adjustment on a float image in [0, 1]."""
    if kind == "brightness":
        return _blend(img, 0.0, factor, 1.0)
    if kind == "contrast":
        return _blend(img, _grayscale(img).mean(axis=(-3, -2, -1), keepdims=True), factor, 1.0)
    if img.shape[-3] == 1:  # saturation and hue leave a grey image as it is
        return img
    if kind == "saturation":
        return _blend(img, _grayscale(img), factor, 1.0)
    h, s, v = _rgb_to_hsv(img)
    return _hsv_to_rgb((h + factor) % 1.0, s, v)


def adjust_pil(img, kind: str, factor: float):
    from PIL import Image, ImageEnhance
    if kind != "hue":
        enhancer = {"brightness": ImageEnhance.Brightness, "contrast": ImageEnhance.Contrast,
                    "saturation": ImageEnhance.Color}[kind]
        return enhancer(img).enhance(factor)
    if img.mode in ("L", "1", "I", "F"):
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    np_h += np.array(int(factor * 255), dtype=np.int64).astype(np.uint8)  # wraps around, like torchvision
    return Image.merge("HSV", (Image.fromarray(np_h, "L"), s, v)).convert(img.mode)


def _range(value, name: str, center: float = 1.0, bound=(0, float("inf"))) -> tuple[float, float] | None:
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"ColorJitter: if {name} is a single number, it must be non-negative, got {value}")
        value = (center - value, center + value)
        if center == 1.0:
            value = (max(value[0], 0.0), value[1])
    if len(value) != 2 or not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"ColorJitter: {name} values should be between {bound}, got {value!r}")
    return None if value[0] == value[1] == center else (float(value[0]), float(value[1]))


class ColorJitter:
    """Randomly change brightness, contrast, saturation (factors in [max(0, 1 - v), 1 + v]) and hue (a shift in
    [-hue, hue], hue <= 0.5), applied in a random order."""

    _KINDS = ("brightness", "contrast", "saturation", "hue")

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, generator=None) -> None:
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast")
        self.saturation = _range(saturation, "saturation")
        self.hue = _range(hue, "hue", center=0.0, bound=(-0.5, 0.5))
        self.generator = check_generator(generator, "ColorJitter")

    def get_params(self) -> list[tuple[str, float]]:
        """The adjustments to apply, in order, with their drawn factors."""
        gen = rng(self.generator)
        order = gen.permutation(4).tolist()
        ranges = (self.brightness, self.contrast, self.saturation, self.hue)
        factors = [None if r is None else float(gen.uniform(r[0], r[1])) for r in ranges]
        return [(self._KINDS[k], factors[k]) for k in order if factors[k] is not None]

    def __call__(self, img):
        params = self.get_params()
        if is_pil(img):
            for kind, factor in params:
                img = adjust_pil(img, kind, factor)
            return img
        arr = to_numpy(img, "ColorJitter", min_ndim=3)
        if arr.shape[-3] not in (1, 3):
            raise ValueError(f"ColorJitter: expects 1 or 3 channels, got shape {arr.shape}")
        # integer images span [0, dtype max] (torchvision's convention), float images [0, 1]
        scale = float(np.iinfo(arr.dtype).max) if arr.dtype.kind in "iu" else 1.0
        out = arr.astype(np.float64) / scale
        for kind, factor in params:
            out = adjust_array(out, kind, factor)
        out = out * scale
        if arr.dtype.kind in "iu":
            out = np.clip(out, 0, scale)  # torchvision truncates after clamping
        return like(out.astype(arr.dtype), img)
