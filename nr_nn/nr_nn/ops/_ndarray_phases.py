"""Window reductions as long contiguous passes: the padded input split into its stride phases.

A pooling window's offset reads the padded input at ``s * o + d * k`` along each spatial dim. Split the input
into its ``prod(stride)`` phases (``x[..., a::s0, b::s1]``, copied contiguous on one common grid ``Q``), and
offset ``k`` reads one phase at a fixed shift, the same for every output position: flattened over
``(N, C, *Q)``, it is one slice ``phase[shift : shift + L]``. Each pass of the reduction is then a single
contiguous NumPy loop over the whole batch, instead of one short strided row per output row (16 values on a
ResNet's 32x32 maps, whose per-row overhead made a 3x3/2 max pool on (32, 64, 32, 32) take 11 ms). Positions of
``Q`` past the output grid are computed too and dropped (the same bounded waste as the grid's padding), and every
input cell lies at one (phase, position), so the backward scatters into the phases and interleaves them back.
"""
from __future__ import annotations

import math

from ._grid import offsets


class Phases:
    """Where each kernel offset reads, for a padded grid ``full``, kernel, stride and dilation."""

    def __init__(self, full, ksize, stride, dilation, out_sp):
        self.full, self.stride, self.out_sp = tuple(full), tuple(stride), tuple(out_sp)
        self.q = tuple(-(-n // s) for n, s in zip(full, stride))  # the common phase grid
        self.keys = offsets(stride)  # (a, b, ...) phases in C order
        strides = [math.prod(self.q[d + 1:]) for d in range(len(self.q))]
        self.reads = []  # per kernel offset: (phase number, flat shift)
        for idx in offsets(ksize):
            pos = [i * dl for i, dl in zip(idx, dilation)]
            phase = self.keys.index(tuple(p % s for p, s in zip(pos, stride)))
            self.reads.append((phase, sum((p // s) * st for p, s, st in zip(pos, stride, strides))))

    def _inside(self, padding, spatial):
        """Per phase: (slices of x, slices of the phase grid) of the padded cells that lie inside x."""
        out = []
        for key in self.keys:
            src, dst = [], []
            for a, s, (lo, _), n in zip(key, self.stride, padding, spatial):
                # padded index a + s*j holds x[a + s*j - lo]: the first j inside x, and x's first row there
                j0 = max(0, -(-(lo - a) // s))
                first = a + s * j0 - lo
                count = max(0, -(-(n - first) // s)) if first < n else 0
                src.append(slice(first, first + s * (count - 1) + 1 if count else first, s))
                dst.append(slice(j0, j0 + count))
            out.append((tuple(src), tuple(dst)))
        return out

    def split(self, xp, x, padding, fill):
        """(*lead, *spatial) -> (P, M) flat phases of x padded by ``(lo, hi)`` pairs (non-negative) with ``fill``,
        M = prod(lead) * prod(q): one fill and one strided copy per phase, the padded input never built."""
        nd = len(self.full)
        lead = x.shape[:x.ndim - nd]
        if len(self.keys) == 1 and not any(lo or hi for lo, hi in padding):
            return xp.reshape(x, (1, -1))  # unit strides, no padding: the input is its only phase
        out = xp.empty((len(self.keys),) + lead + self.q, dtype=x.dtype)
        out.fill(fill)
        every = (slice(None),) * len(lead)
        for p, (src, dst) in enumerate(self._inside(padding, x.shape[x.ndim - nd:])):
            out[(p,) + every + dst] = x[every + src]
        return out.reshape(len(self.keys), -1)

    def merge(self, xp, phases, lead, padding, spatial, dtype):
        """(P, M) flat phases -> (*lead, *spatial): the cells inside x of the padded grid, the inverse of
        ``split`` (the padding's cells are dropped)."""
        out = xp.empty(tuple(lead) + tuple(spatial), dtype=dtype)
        grids = phases.reshape((len(self.keys),) + tuple(lead) + self.q)
        every = (slice(None),) * len(lead)
        for p, (src, dst) in enumerate(self._inside(padding, spatial)):
            out[every + src] = grids[(p,) + every + dst]
        return out

    def length(self, m):
        """How many flat positions every offset's slice covers (the largest shift's slice ends at m)."""
        return m - max(shift for _, shift in self.reads)

    def cells_of(self, flat, lead):
        """A flat (M,) result on the phase grid -> (*lead, *out) of its valid positions (a view)."""
        grid = flat.reshape(tuple(lead) + self.q)
        return grid[(slice(None),) * len(lead) + tuple(slice(0, o) for o in self.out_sp)]

    def on_grid(self, xp, y, fill):
        """(*lead, *out) -> flat (M,) on the phase grid, ``fill`` past the output positions."""
        lead = y.shape[:y.ndim - len(self.out_sp)]
        if self.q == self.out_sp:
            return xp.reshape(y, (-1,))
        grid = xp.empty(tuple(lead) + self.q, dtype=y.dtype)
        grid[...] = fill
        grid[(slice(None),) * len(lead) + tuple(slice(0, o) for o in self.out_sp)] = y
        return grid.reshape(-1)
