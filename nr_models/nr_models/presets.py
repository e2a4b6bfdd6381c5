"""The preprocessing each vision model expects, as ``nr_data.transforms``: resize, center-crop, scale to [0, 1],
normalise. A mismatch here is silent (the model still answers, just worse), so every model carries its own."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import nr_core as nr
from nr_core.array_object import Tensor
from nr_data import transforms as T

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def to_float_chw(img):
    """A PIL image, or a ``[..., C, H, W]`` numpy/nr array, as a float nr array; uint8 is scaled to [0, 1]."""
    if type(img).__module__.startswith("PIL."):
        return T.ToTensor()(img)
    if isinstance(img, np.ndarray):
        img = nr.asarray(np.ascontiguousarray(img), device="cpu")
    if not isinstance(img, Tensor):
        raise TypeError(f"preprocessing: expects a PIL image or a [..., C, H, W] array, got {type(img).__name__}")
    if img.dtype is nr.uint8:
        return nr.astype(img, nr.float32) / 255.0
    if img.dtype.kind != "float":
        raise TypeError(f"preprocessing: expects uint8 or float pixels, got {img.dtype.name}")
    return img


@dataclass(frozen=True)
class ImagePreset:
    """Resize the shorter side to ``resize_size`` (or to exactly (h, w) when a pair), crop ``crop_size`` from the
    centre, scale to [0, 1], normalise by ``mean``/``std``: torchvision's ``ImageClassification`` preset.

    PIL images are resized by Pillow (antialiased, as torchvision does for PIL input); arrays are resized
    bilinearly without antialiasing, which differs from torchvision's tensor path when shrinking a lot.
    """

    resize_size: int | tuple[int, int] = 256
    crop_size: int = 224
    mean: tuple[float, ...] = IMAGENET_MEAN
    std: tuple[float, ...] = IMAGENET_STD
    interpolation: str = "bilinear"

    def transforms(self) -> T.Compose:
        return T.Compose([T.Resize(self.resize_size, interpolation=self.interpolation), T.CenterCrop(self.crop_size),
                          T.Lambda(to_float_chw), T.Normalize(self.mean, self.std)])


# torchvision's IMAGENET1K_V1 weights of every model here use this one
IMAGENET = ImagePreset()
