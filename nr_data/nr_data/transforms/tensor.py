"""ToTensor (PIL / HWC ndarray -> CHW nr array) and Normalize (per-channel standardisation with nr ops)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import nr_core as nr
from nr_core.array_object import Tensor

from ._kinds import is_pil


class ToTensor:
    """A PIL image or an ``H x W x C`` (or ``H x W``) numpy array as a ``C x H x W`` nr array; uint8 input is
    scaled to float32 in [0, 1], other dtypes are kept as they are (torchvision's rule)."""

    def __call__(self, pic):
        if is_pil(pic):
            arr = np.asarray(pic, dtype=np.uint8) * np.uint8(255) if pic.mode == "1" else np.asarray(pic)
        elif isinstance(pic, np.ndarray):
            arr = pic
        else:
            raise TypeError(f"ToTensor: pic should be a PIL Image or a numpy array, got {type(pic).__name__}")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional, got shape {arr.shape}")
        chw = arr.transpose(2, 0, 1)
        if chw.dtype == np.uint8:
            chw = chw.astype(np.float32) / np.float32(255)
        return nr.asarray(np.ascontiguousarray(chw), device="cpu")

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` over the channel axis of a float nr array ``[..., C, H, W]``, with nr ops
    (so it runs on the array's device)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        if self.mean.size == 0 or self.std.size == 0:
            raise ValueError("Normalize: mean and std should be non-empty")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std evaluated to zero after conversion to float, leading to division "
                             f"by zero: std={self.std.tolist()}")
        self.inplace = inplace
        self._cache: dict = {}

    def _constants(self, x: Tensor):
        """(mean, std) as nr arrays for ``x``'s device, dtype and channel count, validated once per such key."""
        if not isinstance(x, Tensor):
            raise TypeError(f"Normalize: expects an nr array (use ToTensor first), got {type(x).__name__}")
        if x.ndim < 3:
            raise ValueError(f"Normalize: expects a float array of shape [..., C, H, W], got shape {x.shape}")
        key = (x.device, x.dtype, x.shape[-3])  # bounded: one entry per device, dtype and channel count
        consts = self._cache.get(key)
        if consts is None:
            if x.dtype.kind not in ("float", "complex"):
                raise ValueError(f"Normalize: expects a float array of shape [..., C, H, W], got shape {x.shape} "
                                 f"and dtype {x.dtype.name}")
            channels = x.shape[-3]
            for name, v in (("mean", self.mean), ("std", self.std)):
                if v.size not in (1, channels):
                    raise ValueError(f"Normalize: {name} has {v.size} values for an array with {channels} "
                                     f"channels (shape {x.shape})")
            consts = tuple(nr.asarray(v.astype(x.dtype.numpy).reshape(-1, 1, 1), device=x.device)
                           for v in (self.mean, self.std))
            self._cache[key] = consts
        return consts

    def __call__(self, x):
        mean, std = self._constants(x)
        out = (x - mean) / std
        if self.inplace:
            x.copy_(out)
            return x
        return out

    def __getstate__(self):
        return {"mean": self.mean, "std": self.std, "inplace": self.inplace, "_cache": {}}

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"
