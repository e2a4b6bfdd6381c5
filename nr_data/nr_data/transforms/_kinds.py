"""What a transform may receive (nr arrays, numpy arrays ``[..., H, W]``, PIL images) and how to hand back
the same kind; transforms compute on host numpy, since they run per sample in the loader's workers."""
from __future__ import annotations

import numbers

import numpy as np
import nr_core as nr
from nr_core.array_object import Tensor

from ..collate import host_view


def is_pil(x) -> bool:
    return type(x).__module__.startswith("PIL.")


def to_numpy(x, where: str, min_ndim: int = 2) -> np.ndarray:
    """A host numpy view of an nr or numpy array, checked to have at least ``min_ndim`` dimensions."""
    if isinstance(x, Tensor):
        out = host_view(x)
    elif isinstance(x, np.ndarray):
        out = x
    else:
        raise TypeError(f"{where}: expects an nr array, a numpy array or a PIL image, got {type(x).__name__}")
    if out.ndim < min_ndim:
        raise ValueError(f"{where}: expects an image of shape [..., H, W], got shape {out.shape}")
    return out


def like(out: np.ndarray, x):
    """``out`` as the same kind of array as the input ``x`` (nr arrays keep their device)."""
    out = np.ascontiguousarray(out)
    return nr.asarray(out, device=x.device) if isinstance(x, Tensor) else out


def image_size(x) -> tuple[int, int]:
    """(height, width) of a PIL image or an array ``[..., H, W]``."""
    if is_pil(x):
        return x.size[1], x.size[0]
    return tuple(x.shape[-2:])


def size_pair(size, where: str) -> tuple[int, int]:
    """An int or a 1/2-sequence as (height, width)."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (int(size[0]), int(size[0]))
    elif isinstance(size, (tuple, list)) and len(size) == 2:
        size = (int(size[0]), int(size[1]))
    else:
        raise ValueError(f"{where}: size should be an int or a sequence of one or two ints, got {size!r}")
    if min(size) <= 0:
        raise ValueError(f"{where}: size should be positive, got {size}")
    return size


def cast_back(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Float results back to the input's dtype: rounded and clipped for integers."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        values = np.clip(np.round(values), info.min, info.max)
    return values.astype(dtype, copy=False)
