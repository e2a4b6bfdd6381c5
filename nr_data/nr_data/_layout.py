"""A batch laid out in one flat byte buffer: array leaves at aligned offsets, everything else in a picklable
skeleton. The same layout serves in-process collation and the shared-memory transport between processes."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

ALIGN = 64  # every leaf starts on a cache line, which also satisfies any dtype's alignment


class Leaf:
    """Placeholder for one array in a skeleton. ``kind`` is "nr" (rebuilt as an nr array) or "np" (numpy);
    ``source`` fills the leaf's bytes and is dropped before the skeleton crosses a process boundary."""

    __slots__ = ("kind", "shape", "dtype", "offset", "source")

    def __init__(self, kind: str, shape: tuple, dtype: np.dtype, source) -> None:
        self.kind = kind
        self.shape = shape
        self.dtype = dtype
        self.offset = 0
        self.source = source

    def __getstate__(self):
        return (self.kind, self.shape, self.dtype.str, self.offset)

    def __setstate__(self, state) -> None:
        self.kind, self.shape, dtype, self.offset = state
        self.dtype = np.dtype(dtype)
        self.source = None

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


def assign_offsets(leaves: list[Leaf]) -> int:
    """Place the leaves one after the other; returns the buffer size in bytes."""
    end = 0
    for leaf in leaves:
        leaf.offset = -(-end // ALIGN) * ALIGN
        end = leaf.offset + leaf.nbytes
    return end


def view(buf: np.ndarray, leaf: Leaf) -> np.ndarray:
    return buf[leaf.offset:leaf.offset + leaf.nbytes].view(leaf.dtype).reshape(leaf.shape)


def fill(buf: np.ndarray, leaves: list[Leaf]) -> None:
    """Write every leaf's data into its place in ``buf`` (stacking samples where the source is a list)."""
    for leaf in leaves:
        out = view(buf, leaf)
        src = leaf.source
        if isinstance(src, list):
            np.stack(src, out=out, casting="unsafe")
        else:
            np.copyto(out, src, casting="unsafe")
        leaf.source = None


def rebuild(skeleton, on_leaf: Callable[[Leaf], object]):
    """The skeleton with every Leaf replaced by ``on_leaf(leaf)``, containers kept as they were."""
    if isinstance(skeleton, Leaf):
        return on_leaf(skeleton)
    if isinstance(skeleton, dict):
        return {k: rebuild(v, on_leaf) for k, v in skeleton.items()}
    if isinstance(skeleton, list):
        return [rebuild(v, on_leaf) for v in skeleton]
    if isinstance(skeleton, tuple):
        items = [rebuild(v, on_leaf) for v in skeleton]
        return type(skeleton)(*items) if hasattr(skeleton, "_fields") else tuple(items)
    return skeleton
