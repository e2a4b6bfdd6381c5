"""Geometric transforms (torchvision's semantics): Resize, CenterCrop, Pad, RandomCrop, RandomResizedCrop,
RandomHorizontalFlip, RandomVerticalFlip, RandomRotation. Arrays are ``[..., H, W]``."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from .._random import check_generator, rng
from . import _ops
from ._kinds import image_size, size_pair


def _resized_size(h: int, w: int, size, max_size: int | None) -> tuple[int, int]:
    if isinstance(size, (tuple, list)) and len(size) == 2:
        return int(size[0]), int(size[1])
    short, long = min(h, w), max(h, w)
    new_short = int(size if isinstance(size, numbers.Integral) else size[0])
    new_long = int(new_short * long / short)
    if max_size is not None:
        if max_size <= new_short:
            raise ValueError(f"Resize: max_size = {max_size} must be strictly greater than the requested size "
                             f"for the smaller edge, {new_short}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


class Resize:
    """Resize to ``size`` ((h, w), or an int for the smaller edge keeping the aspect ratio). Arrays: "bilinear"
    (torch's ``interpolate(align_corners=False)``, no antialiasing) or "nearest"; PIL images: Pillow's resample."""

    def __init__(self, size, interpolation: str = "bilinear", max_size: int | None = None) -> None:
        if not (isinstance(size, numbers.Integral) and size > 0 or isinstance(size, (tuple, list))
                and len(size) in (1, 2) and min(size) > 0):
            raise ValueError(f"Resize: size should be a positive int or a sequence of one or two, got {size!r}")
        if max_size is not None and isinstance(size, (tuple, list)) and len(size) == 2:
            raise ValueError("Resize: max_size is only supported when size is a single int")
        self.size = size
        self.interpolation = _ops.check_interpolation(interpolation, "Resize")
        self.max_size = max_size

    def __call__(self, img):
        h, w = image_size(img)
        return _ops.resize(img, _resized_size(h, w, self.size, self.max_size), self.interpolation)


class CenterCrop:
    """The central ``size`` crop (zero-padded first where the image is smaller)."""

    def __init__(self, size) -> None:
        self.size = size_pair(size, "CenterCrop")

    def __call__(self, img):
        h, w = image_size(img)
        th, tw = self.size
        return _ops.crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


class Pad:
    """Pad the borders: ``padding`` is an int, (left/right, top/bottom) or (left, top, right, bottom);
    ``padding_mode`` is "constant" (with ``fill``), "edge", "reflect" or "symmetric"."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"Pad: padding_mode should be constant, edge, reflect or symmetric, got {padding_mode!r}")
        self.padding = _ops.padding4(padding, "Pad")
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        return _ops.pad(img, self.padding, self.fill, self.padding_mode)


class RandomCrop:
    """A crop of ``size`` at a random position (after optional ``padding``; ``pad_if_needed`` pads small images)."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant",
                 generator=None) -> None:
        self.size = size_pair(size, "RandomCrop")
        self.pad = None if padding is None else Pad(padding, fill, padding_mode)
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = check_generator(generator, "RandomCrop")

    def __call__(self, img):
        if self.pad is not None:
            img = self.pad(img)
        th, tw = self.size
        h, w = image_size(img)
        if self.pad_if_needed and (w < tw or h < th):  # torchvision pads both sides by the shortfall
            dw, dh = max(tw - w, 0), max(th - h, 0)
            img = _ops.pad(img, (dw, dh, dw, dh), self.fill, self.padding_mode)
            h, w = image_size(img)
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than input image size {(h, w)}")
        gen = rng(self.generator)
        i = int(gen.integers(0, h - th + 1))
        j = int(gen.integers(0, w - tw + 1))
        return _ops.crop(img, i, j, th, tw)


class RandomResizedCrop:
    """A random crop of random area (``scale``) and aspect ratio (``ratio``), resized to ``size``."""

    def __init__(self, size, scale: Sequence[float] = (0.08, 1.0), ratio: Sequence[float] = (3 / 4, 4 / 3),
                 interpolation: str = "bilinear", generator=None) -> None:
        self.size = size_pair(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1] or scale[0] <= 0 or ratio[0] <= 0:
            raise ValueError(f"RandomResizedCrop: scale and ratio should be positive (min, max) ranges, got "
                             f"{scale} and {ratio}")
        self.scale = (float(scale[0]), float(scale[1]))
        self.ratio = (float(ratio[0]), float(ratio[1]))
        self.interpolation = _ops.check_interpolation(interpolation, "RandomResizedCrop")
        self.generator = check_generator(generator, "RandomResizedCrop")

    def get_params(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(top, left, h, w) of the crop, by torchvision's 10 attempts then a central fallback."""
        gen = rng(self.generator)
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * gen.uniform(*self.scale)
            aspect = math.exp(gen.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                i = int(gen.integers(0, height - h + 1))
                j = int(gen.integers(0, width - w + 1))
                return i, j, h, w
        in_ratio = width / height
        if in_ratio < self.ratio[0]:
            w, h = width, int(round(width / self.ratio[0]))
        elif in_ratio > self.ratio[1]:
            h, w = height, int(round(height * self.ratio[1]))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        i, j, h, w = self.get_params(*image_size(img))
        return _ops.resize(_ops.crop(img, i, j, h, w), self.size, self.interpolation)


class _RandomFlip:
    def __init__(self, p: float = 0.5, generator=None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p should be a probability in [0, 1], got {p}")
        self.p = p
        self.generator = check_generator(generator, type(self).__name__)

    def __call__(self, img):
        return self._flip(img) if rng(self.generator).random() < self.p else img


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability ``p``."""

    _flip = staticmethod(_ops.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability ``p``."""

    _flip = staticmethod(_ops.vflip)


class RandomRotation:
    """Rotate counter-clockwise by an angle drawn uniformly from ``degrees`` ((-d, d) for a number)."""

    def __init__(self, degrees, interpolation: str = "nearest", expand: bool = False, center=None, fill=0,
                 generator=None) -> None:
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError(f"RandomRotation: a single degrees value should be non-negative, got {degrees}")
            degrees = (-degrees, degrees)
        if len(degrees) != 2 or degrees[0] > degrees[1]:
            raise ValueError(f"RandomRotation: degrees should be a number or a (min, max) pair, got {degrees!r}")
        self.degrees = (float(degrees[0]), float(degrees[1]))
        self.interpolation = _ops.check_interpolation(interpolation, "RandomRotation")
        self.expand = expand
        self.center = center
        self.fill = fill
        self.generator = check_generator(generator, "RandomRotation")

    def __call__(self, img):
        angle = float(rng(self.generator).uniform(*self.degrees))
        return _ops.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)
