"""Per-device OpenCL state: context and in-order queue, a size-bucketed buffer pool, the program cache, counters."""
from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pyopencl as cl

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


class BufferPool:
    """Free ``cl.Buffer``s by bucket size; past ``limit`` bytes the least recently freed are released."""

    def __init__(self, ctx: cl.Context, stats: Stats, limit: int = POOL_LIMIT_BYTES) -> None:
        self.ctx, self.stats, self.limit = ctx, stats, limit
        self.free: dict[int, list] = {}
        self.lru: OrderedDict = OrderedDict()  # id(buffer) -> (size, buffer), oldest first
        self.held = 0

    def take(self, nbytes: int) -> tuple[cl.Buffer, int]:
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
            return cl.Buffer(self.ctx, cl.mem_flags.READ_WRITE, size), size
        except (cl.MemoryError, cl.RuntimeError):
            self.clear()  # cached buffers may be what fills the device: drop them and try once more
            return cl.Buffer(self.ctx, cl.mem_flags.READ_WRITE, size), size

    def give(self, buf: cl.Buffer, size: int) -> None:
        self.free.setdefault(size, []).append(buf)
        self.lru[id(buf)] = (size, buf)
        self.held += size
        while self.held > self.limit and self.lru:
            _, (old_size, old) = self.lru.popitem(last=False)
            self.free[old_size].remove(old)
            self.held -= old_size
            old.release()

    def clear(self) -> None:
        for _, buf in self.lru.values():
            buf.release()
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
        self.readers: weakref.WeakSet | None = None

    def add_reader(self, node) -> None:
        if self.readers is None:
            self.readers = weakref.WeakSet()
        self.readers.add(node)

    def __del__(self) -> None:
        try:
            self.pool.give(self.buf, self.size)
        except Exception:  # interpreter shutdown: the context may already be gone
            return


class DeviceRuntime:
    """Context, queue, pool and compiled kernels of one OpenCL device."""

    def __init__(self, index: int, platform: cl.Platform, device: cl.Device) -> None:
        self.index, self.platform, self.device = index, platform, device
        self.ctx = cl.Context([device])
        self.queue = cl.CommandQueue(self.ctx)
        self.extensions = frozenset(device.extensions.split())
        self.fp64 = "cl_khr_fp64" in self.extensions
        self.max_wg = int(device.max_work_group_size)
        self.local_mem = int(device.local_mem_size)
        self.compute_units = int(device.max_compute_units)
        self.max_alloc = int(device.max_mem_alloc_size)
        self.stats = Stats()
        self.pool = BufferPool(self.ctx, self.stats)
        self._kernels: dict[tuple, cl.Kernel] = {}

    # -- memory ----------------------------------------------------------------------------------
    def check_alloc(self, nbytes: int) -> None:
        """MemoryError now, at the call that asks, for a buffer the device cannot hold (not at the first read of
        a lazy result); the frontend names the op and shape."""
        if nbytes > self.max_alloc:
            raise MemoryError(f"opencl:{self.index} ({self.device.name.strip()}) allocates at most "
                              f"{self.max_alloc} bytes in one buffer, {nbytes} asked")

    def storage(self, nbytes: int) -> Storage:
        self.check_alloc(nbytes)
        return Storage(self.pool, nbytes)

    def upload(self, host: np.ndarray) -> Storage:
        self.check_alloc(host.nbytes)
        st = Storage(self.pool, host.nbytes)
        if host.nbytes:
            cl.enqueue_copy(self.queue, st.buf, host, is_blocking=False)
        return st

    def download(self, storage: Storage, byte_offset: int, out: np.ndarray) -> np.ndarray:
        if out.nbytes:
            cl.enqueue_copy(self.queue, out, storage.buf, src_offset=byte_offset, is_blocking=True)
        return out

    def upload_index(self, host: np.ndarray) -> Storage:
        """int64 index data (offsets, permutations) for gather/scatter kernels."""
        return self.upload(np.ascontiguousarray(host, dtype=np.int64))

    # -- programs --------------------------------------------------------------------------------
    def kernel(self, source: str, name: str, scalar_dtypes: list) -> cl.Kernel:
        """The compiled kernel ``name`` of ``source``, built once per device.

        Keyed by the source text itself: its hash is computed once per string, and the generators memoise
        their sources, so a hit costs one dict lookup.
        """
        key = (source, name)
        k = self._kernels.get(key)
        if k is not None:
            self.stats.program_hits += 1
            return k
        self.stats.compiles += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cl.CompilerWarning)
            prg = cl.Program(self.ctx, source).build()
        k = getattr(prg, name)
        k.set_scalar_arg_dtypes(scalar_dtypes)
        self._kernels[key] = k
        return k

    def launch(self, kernel: cl.Kernel, gsize: tuple, lsize: tuple | None, args: list) -> None:
        kernel.set_args(*args)
        cl.enqueue_nd_range_kernel(self.queue, kernel, gsize, lsize)
        self.stats.launches += 1

    def finish(self) -> None:
        self.queue.finish()


def round_up(n: int, m: int) -> int:
    return -(-n // m) * m
