"""``pad``: constant, reflect, replicate and circular padding (torch's last-dim-first pad tuple)."""
from __future__ import annotations

import nr_core as nr

from ..ops._grid import pad as _constant_pad
from ._checks import tensor

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode: str = "constant", value: float | None = None):
    x = tensor(input, "pad")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim or not all(isinstance(p, int) for p in pad):
        raise ValueError(f"pad: pad must hold an even number of ints, at most 2 per dim of input {x.shape}, got {pad}")
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    npairs = len(pad) // 2
    # torch lists the last dim first
    pairs = tuple((pad[2 * i], pad[2 * i + 1]) for i in reversed(range(npairs)))
    if mode == "constant":
        return _constant_pad(x, pairs, 0 if value is None else value)
    if value not in (None, 0, 0.0):
        raise ValueError(f"pad: value is only used in constant mode, got value={value} with mode {mode!r}")
    lead = x.ndim - npairs
    for i, (lo, hi) in enumerate(pairs):
        x = _pad_axis(x, lead + i, lo, hi, mode)
    return x


def _pad_axis(x, a, lo, hi, mode):
    n = x.shape[a]
    pre = (slice(None),) * a

    def part(start, stop, step=1):
        return x[pre + (slice(start, stop, step),)]

    if mode == "reflect" and (lo >= n or hi >= n):
        raise ValueError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the dim size {n} (axis {a})")
    if mode == "circular" and (lo > n or hi > n):
        raise ValueError(f"pad: circular padding ({lo}, {hi}) must not exceed the dim size {n} (axis {a})")
    if lo < 0 or hi < 0:
        x = part(max(-lo, 0), n - max(-hi, 0))
        return _pad_axis(x, a, max(lo, 0), max(hi, 0), mode)
    parts = []
    if lo:
        if mode == "reflect":
            parts.append(nr.flip(part(1, lo + 1), axis=a))
        elif mode == "replicate":
            parts.append(nr.concat([part(0, 1)] * lo, axis=a))
        else:
            parts.append(part(n - lo, n))
    parts.append(x)
    if hi:
        if mode == "reflect":
            parts.append(nr.flip(part(n - 1 - hi, n - 1), axis=a))
        elif mode == "replicate":
            parts.append(nr.concat([part(n - 1, n)] * hi, axis=a))
        else:
            parts.append(part(0, hi))
    return nr.concat(parts, axis=a) if len(parts) > 1 else x
