"""Deterministic, version-independent weights and inputs for the torchvision fixtures: the same formula fills
torchvision's model (in ``make_torchvision_fixtures.py``) and ours (in the tests), so their logits must agree."""
from __future__ import annotations

import math

import numpy as np


def _wave(n: int, index: int) -> np.ndarray:
    """n values in [-1, 1], varied enough to exercise every weight (no random generator, so no version drift)."""
    t = np.arange(n, dtype=np.float64)
    return np.sin(t * 0.7853 + 0.37 * (index + 1)) * np.cos(t * 0.0137 + index)


def fixture_value(key: str, shape, index: int) -> np.ndarray:
    """The value of state-dict entry ``key`` of ``shape`` (``index``: its position among the sorted keys)."""
    shape = tuple(shape)
    if key.endswith("num_batches_tracked"):
        return np.zeros(shape, dtype=np.int64)
    n = math.prod(shape)
    w = _wave(n, index).reshape(shape)
    if key.endswith("running_var"):
        return 1.0 + 0.5 * w
    if key.endswith("running_mean"):
        return 0.1 * w
    if len(shape) == 1:
        return (1.0 + 0.1 * w) if key.endswith("weight") else 0.1 * w
    fan_in = math.prod(shape[1:])
    return w * math.sqrt(3.0 / fan_in)


def fixture_state(shapes: dict) -> dict:
    """Every entry of a ``{key: shape}`` table, in sorted-key order."""
    return {key: fixture_value(key, shapes[key], i) for i, key in enumerate(sorted(shapes))}


def fixture_input(shape) -> np.ndarray:
    n = math.prod(shape)
    return np.sin(np.arange(n, dtype=np.float64) * 0.91 + 0.5).reshape(shape)


def fixture_image() -> np.ndarray:
    """A 280 x 300 RGB uint8 image (H x W x C) with structure at several scales."""
    y, x = np.mgrid[0:280, 0:300].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = 127.5 + 127.5 * np.sin((x + y) / 23.0)
    b = (x * 3 + y * 5) % 256
    return np.stack([r, g, b], axis=-1).round().clip(0, 255).astype(np.uint8)
