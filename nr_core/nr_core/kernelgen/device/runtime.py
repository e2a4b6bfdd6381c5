"""What the device layer needs from a GPU runtime, and the parts every runtime shares (pool, storage, cache).

A backend subclasses ``Runtime`` once per device and implements four methods: ``_allocate``/``_release``
(raw device memory), ``_write``/``_read`` (host copies), ``_compile`` (a ``Kernel``'s source to a launchable
handle) and ``launch``. Everything else (buffers, fusion, every op) is in this package.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dialect import Dialect
from ..source import Kernel

# freed buffers kept for reuse, per device, before the least recently freed are released
POOL_LIMIT_BYTES = 512 << 20
MIN_BUCKET = 256


@dataclass
class Stats:
    """Counters the tests and benchmarks read (kernel launches, compiles, cache hits)."""

    launches: int = 0
    compiles: int = 0
    program_hits: int = 0
    alloc_hits: int = 0
    alloc_misses: int = 0


def bucket(nbytes: int) -> int:
    """Round a request up to one of four sizes per power of two (at most 25% waste)."""
    if nbytes <= MIN_BUCKET:
        return MIN_BUCKET
    quarter = (1 << (nbytes.bit_length() - 1)) >> 2
    return -(-nbytes // quarter) * quarter


def round_up(n: int, m: int) -> int:
    return -(-n // m) * m


class BufferPool:
    """Free device allocations by bucket size; past ``limit`` bytes the least recently freed are released."""

    def __init__(self, rt: "Runtime", limit: int = POOL_LIMIT_BYTES) -> None:
        self.rt, self.stats, self.limit = rt, rt.stats, limit
        self.free: dict[int, list] = {}
        self.lru: OrderedDict = OrderedDict()  # id(buffer) -> (size, buffer), oldest first
        self.held = 0

    def take(self, nbytes: int) -> tuple[Any, int]:
        size = bucket(nbytes)
        bufs = self.free.get(size)
        if bufs:
            buf = bufs.pop()
            del self.lru[id(buf)]
            self.held -= size
            self.stats.alloc_hits += 1
            return buf, size
        self.stats.alloc_misses += 1
        try:
            return self.rt._allocate(size), size
        except MemoryError:
            self.clear()  # cached buffers may be what fills the device: drop them and try once more
            return self.rt._allocate(size), size

    def give(self, buf, size: int) -> None:
        self.free.setdefault(size, []).append(buf)
        self.lru[id(buf)] = (size, buf)
        self.held += size
        while self.held > self.limit and self.lru:
            _, (old_size, old) = self.lru.popitem(last=False)
            self.free[old_size].remove(old)
            self.held -= old_size
            self.rt._release(old)

    def clear(self) -> None:
        for _, buf in self.lru.values():
            self.rt._release(buf)
        self.free.clear()
        self.lru.clear()
        self.held = 0


class Storage:
    """One device allocation, shared by every view of it; goes back to the pool when the last view dies.

    ``readers`` holds the pending (unrealised) fused expressions that read this memory, so that a write
    can run them first.
    """

    __slots__ = ("buf", "size", "pool", "readers", "__weakref__")

    def __init__(self, pool: BufferPool, nbytes: int) -> None:
        self.pool = pool
        self.buf, self.size = pool.take(max(nbytes, 1))
        self.readers = None

    def add_reader(self, node) -> None:
        if self.readers is None:
            self.readers = weakref.WeakSet()
        self.readers.add(node)

    def __del__(self) -> None:
        try:
            self.pool.give(self.buf, self.size)
        except Exception:  # interpreter shutdown: the runtime may already be gone
            return


class Runtime:
    """One device of a generated-kernel backend.

    Attributes the device layer reads: ``index``, ``dialect``, ``fp64`` (float64 kernels work), ``max_wg``
    (largest work-group), ``local_mem`` (bytes of work-group memory), ``compute_units``, ``is_cpu`` (the
    device is the host's cores: pick barrier-free kernel forms), ``vector_width`` (float32 lanes of the
    device's native SIMD vector, which sizes the CPU matmul block), ``stats``.
    """

    dialect: Dialect
    is_cpu = False
    vector_width = 8  # AVX2's; a runtime that can ask its device says better
    max_alloc: int | None = None  # the largest single buffer the device allocates (None: no known limit)

    def __init__(self, index: int, fp64: bool, max_wg: int, local_mem: int, compute_units: int) -> None:
        self.index, self.fp64 = index, fp64
        self.max_wg, self.local_mem, self.compute_units = max_wg, local_mem, compute_units
        self.stats = Stats()
        self.pool = BufferPool(self)
        self._kernels: dict[tuple, Any] = {}

    # -- what a runtime implements ------------------------------------------------------------------
    def _allocate(self, nbytes: int) -> Any:
        """Raw device memory of ``nbytes`` (raise MemoryError when the device is full)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _allocate")

    def _release(self, buf) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _release")

    def _write(self, buf, host: np.ndarray) -> None:
        """Copy contiguous ``host`` to the start of ``buf`` (may return before the copy ends)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _write")

    def _read(self, buf, byte_offset: int, out: np.ndarray) -> None:
        """Fill contiguous ``out`` from ``buf`` at ``byte_offset``, after all queued work."""
        raise NotImplementedError(f"{type(self).__name__} must implement _read")

    def _compile(self, kern: Kernel) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement _compile")

    def launch(self, handle, gsize: tuple, lsize: tuple | None, args: list) -> None:
        """Run a compiled kernel over ``gsize`` work-items (a multiple of ``lsize``; None lets the runtime
        pick); ``args`` are ``Storage.buf`` objects and Python scalars in parameter order."""
        raise NotImplementedError(f"{type(self).__name__} must implement launch")

    def finish(self) -> None:
        """Wait for all queued work."""

    # -- shared --------------------------------------------------------------------------------------
    def check_alloc(self, nbytes: int) -> None:
        """MemoryError now, at the call that asks, for a buffer the device cannot hold (not at the first read of
        a lazy result); the frontend names the op and shape."""
        if self.max_alloc is not None and nbytes > self.max_alloc:
            raise MemoryError(f"the device allocates at most {self.max_alloc} bytes in one buffer, {nbytes} asked")

    def storage(self, nbytes: int) -> Storage:
        self.check_alloc(nbytes)
        return Storage(self.pool, nbytes)

    def upload(self, host: np.ndarray) -> Storage:
        self.check_alloc(host.nbytes)
        st = Storage(self.pool, host.nbytes)
        if host.nbytes:
            self._write(st.buf, host)
        return st

    def download(self, storage: Storage, byte_offset: int, out: np.ndarray) -> np.ndarray:
        if out.nbytes:
            self._read(storage.buf, byte_offset, out)
        return out

    def upload_index(self, host: np.ndarray) -> Storage:
        """int64 index data (offsets, permutations) for gather/scatter kernels."""
        return self.upload(np.ascontiguousarray(host, dtype=np.int64))

    def kernel(self, kern: Kernel) -> Any:
        """The compiled form of ``kern``, built once per device.

        Keyed by the source text itself: its hash is computed once per string, and the generators memoise
        their kernels, so a hit costs one dict lookup.
        """
        key = (kern.source, kern.name)
        handle = self._kernels.get(key)
        if handle is not None:
            self.stats.program_hits += 1
            return handle
        self.stats.compiles += 1
        handle = self._kernels[key] = self._compile(kern)
        return handle

    def run(self, kern: Kernel, gsize: tuple, lsize: tuple | None, args: list) -> None:
        self.launch(self.kernel(kern), gsize, lsize, args)
        self.stats.launches += 1

    def run_1d(self, kern: Kernel, n: int, args: list, local: int = 128) -> None:
        """``kern`` over ``n`` work-items (rounded up to a whole group; kernels check their bound)."""
        self.run(kern, (round_up(n, local),), (local,), args)
