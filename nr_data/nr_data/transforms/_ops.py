"""One function per geometric operation for every input kind: PIL images through Pillow, arrays through the
numpy kernels of ``_geometry``."""
from __future__ import annotations

import numbers

import numpy as np

from . import _geometry as G
from ._kinds import is_pil, like, to_numpy

INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


def check_interpolation(mode: str, where: str) -> str:
    if mode not in INTERPOLATIONS:
        raise ValueError(f"{where}: interpolation should be one of {INTERPOLATIONS}, got {mode!r}")
    return mode


def _pil_resample(mode: str):
    from PIL import Image
    return {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}[mode]


def _array_mode(mode: str, where: str) -> str:
    if mode == "bicubic":
        raise ValueError(f"{where}: bicubic interpolation is available for PIL images only; use 'bilinear' "
                         "or 'nearest' on arrays")
    return mode


def padding4(padding, where: str) -> tuple[int, int, int, int]:
    """torchvision's padding forms: int (all sides), (left/right, top/bottom), (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        p = (int(padding),) * 4
    elif isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4):
        vals = [int(v) for v in padding]
        p = tuple(vals * 4) if len(vals) == 1 else (
            (vals[0], vals[1], vals[0], vals[1]) if len(vals) == 2 else tuple(vals))
    else:
        raise ValueError(f"{where}: padding should be an int or a sequence of 1, 2 or 4 ints, got {padding!r}")
    if min(p) < 0:
        raise ValueError(f"{where}: padding should be non-negative, got {padding!r}")
    return p


def crop(x, top: int, left: int, height: int, width: int):
    if is_pil(x):
        return x.crop((left, top, left + width, top + height))
    arr = to_numpy(x, "crop")
    h, w = arr.shape[-2:]
    if top < 0 or left < 0 or top + height > h or left + width > w:  # out of bounds: zero padding, like PIL
        pads = (max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0))
        arr = G.pad(arr, pads, 0, "constant")
        top, left = top + pads[1], left + pads[0]
    return like(arr[..., top:top + height, left:left + width], x)


def resize(x, size: tuple[int, int], mode: str):
    if is_pil(x):
        return x.resize((size[1], size[0]), _pil_resample(mode))
    return like(G.resize(to_numpy(x, "Resize"), size, _array_mode(mode, "Resize")), x)


def pad(x, padding: tuple[int, int, int, int], fill, mode: str):
    if is_pil(x):
        from PIL import Image
        arr = np.asarray(x)
        chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        out = G.pad(chw, padding, fill, mode)
        return Image.fromarray(out[0] if arr.ndim == 2 else np.ascontiguousarray(out.transpose(1, 2, 0)), x.mode)
    return like(G.pad(to_numpy(x, "Pad"), padding, fill, mode), x)


def hflip(x):
    if is_pil(x):
        from PIL import Image
        return x.transpose(Image.FLIP_LEFT_RIGHT)
    return like(to_numpy(x, "hflip")[..., ::-1], x)


def vflip(x):
    if is_pil(x):
        from PIL import Image
        return x.transpose(Image.FLIP_TOP_BOTTOM)
    return like(to_numpy(x, "vflip")[..., ::-1, :], x)


def rotate(x, angle: float, mode: str, expand: bool, center, fill):
    if is_pil(x):
        fillcolor = tuple(fill) if isinstance(fill, (tuple, list)) else fill
        return x.rotate(angle, resample=_pil_resample(mode), expand=expand, center=center, fillcolor=fillcolor)
    return like(G.rotate(to_numpy(x, "RandomRotation"), angle, _array_mode(mode, "RandomRotation"), expand,
                         center, fill), x)
