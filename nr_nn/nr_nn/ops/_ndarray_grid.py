"""Grid helpers of the NumPy-like kernels (``xp`` is the backend's array module): pad/crop by ``(lo, hi)`` pairs and
the strided slice each kernel offset reads."""
from __future__ import annotations

from ._grid import offsets


def pad(xp, x, padding, value=0):
    """Pad the trailing dims by ``(lo, hi)`` pairs; a negative width crops instead."""
    if not any(lo or hi for lo, hi in padding):
        return x
    lead = x.ndim - len(padding)
    if any(lo < 0 or hi < 0 for lo, hi in padding):
        x = x[(slice(None),) * lead + tuple(slice(max(-lo, 0), n - max(-hi, 0))
                                            for (lo, hi), n in zip(padding, x.shape[lead:]))]
        padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
    widths = ((0, 0),) * lead + tuple(padding)
    return xp.pad(x, widths, mode="constant", constant_values=value)


def window_slices(ksize, stride, dilation, out_sp, lead=2, trail=0):
    """Per kernel offset, the strided slice of the padded input that it reads for every output position (the
    spatial dims follow ``lead`` whole dims and precede ``trail`` whole dims)."""
    before, after = (slice(None),) * lead, (slice(None),) * trail
    return [before + tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                           for k, d, o, s in zip(offs, dilation, out_sp, stride)) + after for offs in offsets(ksize)]


def out_size(padded_sp, ksize, stride, dilation):
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(padded_sp, ksize, stride, dilation))


def crop(x, padding, out_sp):
    return x[(slice(None), slice(None)) + tuple(slice(lo, lo + o) for (lo, _), o in zip(padding, out_sp))]

