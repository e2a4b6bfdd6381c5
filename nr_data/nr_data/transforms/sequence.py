"""Transforms for sequences (the first axis of an nr or numpy array, or a list): PadSequence, Truncate,
SlidingWindow."""
from __future__ import annotations

import numpy as np
import nr_core as nr
from nr_core.array_object import Tensor

from ..collate import host_view


def _as_numpy(x, where: str) -> np.ndarray:
    if isinstance(x, Tensor):
        out = host_view(x)
    elif isinstance(x, np.ndarray):
        out = x
    elif isinstance(x, (list, tuple)):
        out = np.asarray(x)
    else:
        raise TypeError(f"{where}: expects an nr array, a numpy array or a list, got {type(x).__name__}")
    if out.ndim < 1:
        raise ValueError(f"{where}: expects a sequence with at least one axis, got shape {out.shape}")
    return out


def _like(out: np.ndarray, x):
    if isinstance(x, Tensor):
        return nr.asarray(np.ascontiguousarray(out), device=x.device)
    return out.tolist() if isinstance(x, (list, tuple)) else out


def _side(side: str, where: str) -> str:
    if side not in ("left", "right"):
        raise ValueError(f"{where}: side should be 'left' or 'right', got {side!r}")
    return side


def _positive(n, name: str, where: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"{where}: {name} should be a positive int, got {n!r}")
    return n


class PadSequence:
    """Pad the first axis to exactly ``length`` with ``value`` (on the ``side`` given); a longer sequence is an
    error (put ``Truncate(length)`` before it)."""

    def __init__(self, length: int, value=0, side: str = "right") -> None:
        self.length = _positive(length, "length", "PadSequence")
        self.value = value
        self.side = _side(side, "PadSequence")

    def __call__(self, seq):
        arr = _as_numpy(seq, "PadSequence")
        n = arr.shape[0]
        if n > self.length:
            raise ValueError(f"PadSequence: sequence of length {n} is longer than {self.length}; "
                             "apply Truncate first")
        extra = self.length - n
        widths = [(extra, 0) if self.side == "left" else (0, extra)] + [(0, 0)] * (arr.ndim - 1)
        return _like(np.pad(arr, widths, constant_values=self.value), seq)


class Truncate:
    """Keep at most ``max_length`` items of the first axis, dropping from the ``side`` given."""

    def __init__(self, max_length: int, side: str = "right") -> None:
        self.max_length = _positive(max_length, "max_length", "Truncate")
        self.side = _side(side, "Truncate")

    def __call__(self, seq):
        arr = _as_numpy(seq, "Truncate")
        out = arr[:self.max_length] if self.side == "right" else arr[max(arr.shape[0] - self.max_length, 0):]
        return _like(out, seq)


class SlidingWindow:
    """Windows of ``size`` items along the first axis every ``step`` items: shape ``(n_windows, size, ...)``."""

    def __init__(self, size: int, step: int = 1) -> None:
        self.size = _positive(size, "size", "SlidingWindow")
        self.step = _positive(step, "step", "SlidingWindow")

    def __call__(self, seq):
        arr = _as_numpy(seq, "SlidingWindow")
        n = arr.shape[0]
        if n < self.size:
            raise ValueError(f"SlidingWindow: sequence of length {n} is shorter than the window size {self.size}")
        windows = np.lib.stride_tricks.sliding_window_view(arr, self.size, axis=0)[::self.step]
        return _like(np.moveaxis(windows, -1, 1), seq)
