"""Grid helpers written in public nr ops (pad/crop, zero-dilation, im2col, col2im) for the decompositions."""
from __future__ import annotations

import nr_core as nr


def offsets(ksize) -> list[tuple[int, ...]]:
    """Every index tuple of a kernel of shape ``ksize``, in C order."""
    out = [()]
    for k in ksize:
        out = [o + (i,) for o in out for i in range(k)]
    return out


def pad(x, padding, value=0.0):
    """Pad the trailing ``len(padding)`` dims by ``(lo, hi)`` pairs with ``value``; negative widths crop."""
    lead = x.ndim - len(padding)
    for i, (lo, hi) in enumerate(padding):
        a = lead + i
        if lo < 0 or hi < 0:
            n = x.shape[a]
            x = x[(slice(None),) * a + (slice(max(-lo, 0), n - max(-hi, 0)),)]
        parts = []
        for width in (lo, hi):
            if width > 0:
                shape = x.shape[:a] + (width,) + x.shape[a + 1:]
                parts.append(nr.full(shape, value, dtype=x.dtype, device=x.device))
            else:
                parts.append(None)
        if parts[0] is not None or parts[1] is not None:
            x = nr.concat([p for p in (parts[0], x, parts[1]) if p is not None], axis=a)
    return x


def dilate(x, stride):
    """Insert ``s - 1`` zeros between neighbours along each trailing dim (the transpose of a strided read)."""
    lead = x.ndim - len(stride)
    for i, s in enumerate(stride):
        if s == 1:
            continue
        a = lead + i
        n = x.shape[a]
        z = nr.zeros(x.shape[:a + 1] + (s - 1,) + x.shape[a + 1:], dtype=x.dtype, device=x.device)
        x = nr.concat([nr.expand_dims(x, axis=a + 1), z], axis=a + 1)
        x = nr.reshape(x, x.shape[:a] + (n * s,) + x.shape[a + 2:])
        x = x[(slice(None),) * a + (slice(0, (n - 1) * s + 1),)]
    return x


def out_size(size: int, k: int, s: int, d: int) -> int:
    return (size - d * (k - 1) - 1) // s + 1


def im2col(x, ksize, stride, dilation):
    """(N, C, *spatial) already padded -> (N, C, *out, K) with K = prod(ksize), from strided slices."""
    nd = len(ksize)
    out_sp = [out_size(n, k, s, d) for n, k, s, d in zip(x.shape[2:], ksize, stride, dilation)]
    cols = []
    for offs in offsets(ksize):
        key = tuple(slice(o * d, o * d + (m - 1) * s + 1, s) for o, d, m, s in zip(offs, dilation, out_sp, stride))
        cols.append(x[(slice(None), slice(None)) + key])
    return nr.stack(cols, axis=2 + nd)


def col2im(cols, ksize, full, stride, dilation):
    """Sum ``cols`` (N, C, *out, K) back onto a zero grid of spatial shape ``full`` (the adjoint of im2col)."""
    nd = len(full)
    out_sp = cols.shape[2:2 + nd]
    total = None
    for i, offs in enumerate(offsets(ksize)):
        part = dilate(cols[(Ellipsis, i)], stride)
        pads = tuple((o * d, f - o * d - ((m - 1) * s + 1)) for o, d, f, m, s in
                     zip(offs, dilation, full, out_sp, stride))
        part = pad(part, pads)
        total = part if total is None else total + part
    return total
