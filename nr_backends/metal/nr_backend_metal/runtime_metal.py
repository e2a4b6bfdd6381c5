"""The real Metal runtime (macOS, pyobjc-framework-Metal): the default GPU, shared-storage buffers, one command
queue, compute pipelines cached by source.

Unverified until run on a Mac: no macOS machine exists where this project is built and tested. The Python side
above it (buffers, fusion, every op) is the one the shim runtime exercises on Linux.

Launches are encoded into one open command buffer and committed when the host needs memory (a read, a
write) or calls ``finish``: consecutive kernels of one expression cost one commit, as PyTorch's MPS does.
Shared storage is host-visible, so reads and writes are plain memory copies (zero-copy on Apple silicon's
unified memory), made after the queued work has completed.
"""
from __future__ import annotations

import hashlib

import Metal  # pyobjc-framework-Metal: only installed (and only imported) on macOS
import numpy as np

from nr_core.kernelgen import METAL, Kernel
from nr_core.kernelgen.device.runtime import Runtime
from nr_core.kernelgen.source import split_arguments


def default_device():
    """``MTLCreateSystemDefaultDevice()``: the system's GPU, or None."""
    return Metal.MTLCreateSystemDefaultDevice()


class _Pipeline:
    __slots__ = ("state", "kern")

    def __init__(self, state, kern: Kernel) -> None:
        self.state, self.kern = state, kern


def _size(dims: tuple):
    d = tuple(dims) + (1,) * (3 - len(dims))
    return Metal.MTLSizeMake(*d)


class MetalRuntime(Runtime):
    """One Metal device: its command queue, shared buffers and pipelines."""

    dialect = METAL

    def __init__(self, index: int, device) -> None:
        self.device = device
        self.queue = device.newCommandQueue()
        self._open = None       # the command buffer launches are encoded into, until committed
        self._libraries: dict = {}
        super().__init__(index, fp64=False, max_wg=int(device.maxThreadsPerThreadgroup().width),
                         local_mem=int(device.maxThreadgroupMemoryLength()), compute_units=8)

    # -- memory --------------------------------------------------------------------------------------
    def _allocate(self, nbytes: int):
        buf = self.device.newBufferWithLength_options_(nbytes, Metal.MTLResourceStorageModeShared)
        if buf is None:
            raise MemoryError(f"metal:{self.index}: cannot allocate {nbytes} bytes")
        return buf

    def _release(self, buf) -> None:
        return None  # reference counted: released with the last Python reference (and in-flight command)

    def _host_view(self, buf) -> np.ndarray:
        return np.frombuffer(buf.contents().as_buffer(buf.length()), dtype=np.uint8)

    def _write(self, buf, host: np.ndarray) -> None:
        self.finish()  # queued kernels may still read the old contents
        # a byte view, not .data: bfloat16 has no buffer-protocol format
        self._host_view(buf)[:host.nbytes] = np.ascontiguousarray(host).reshape(-1).view(np.uint8)

    def _read(self, buf, byte_offset: int, out: np.ndarray) -> None:
        self.finish()
        out.reshape(-1).view(np.uint8)[:] = self._host_view(buf)[byte_offset:byte_offset + out.nbytes]

    # -- kernels -------------------------------------------------------------------------------------
    def _compile(self, kern: Kernel) -> _Pipeline:
        digest = hashlib.sha256(kern.source.encode()).hexdigest()
        lib = self._libraries.get(digest)
        if lib is None:
            opts = Metal.MTLCompileOptions.new()
            opts.setFastMathEnabled_(False)  # NaN, infinities and signed zeros as the kit checks them
            lib, err = self.device.newLibraryWithSource_options_error_(kern.source, opts, None)
            if lib is None:
                raise RuntimeError(f"metal: the MSL of {kern.name} did not compile: {err}")
            self._libraries[digest] = lib
        fn = lib.newFunctionWithName_(kern.name)
        state, err = self.device.newComputePipelineStateWithFunction_error_(fn, None)
        if state is None:
            raise RuntimeError(f"metal: no pipeline for {kern.name}: {err}")
        return _Pipeline(state, kern)

    def launch(self, handle: _Pipeline, gsize: tuple, lsize: tuple | None, args: list) -> None:
        local = tuple(lsize or (1,))
        if np.prod(local) > handle.state.maxTotalThreadsPerThreadgroup():
            raise RuntimeError(f"metal: {handle.kern.name} needs {local} threads per group, the pipeline allows "
                               f"{handle.state.maxTotalThreadsPerThreadgroup()}")
        if self._open is None:
            self._open = self.queue.commandBuffer()
        enc = self._open.computeCommandEncoder()
        enc.setComputePipelineState_(handle.state)
        bufs, block = split_arguments(handle.kern, args) if handle.kern.packed else (args, b"")
        for i, buf in enumerate(bufs):
            enc.setBuffer_offset_atIndex_(buf, 0, i)
        if block:  # the scalars, one struct after the buffers (Metal binds at most 31 buffers)
            enc.setBytes_length_atIndex_(block, len(block), len(bufs))
        groups = tuple(g // n for g, n in zip(tuple(gsize), local + (1,) * (len(gsize) - len(local))))
        enc.dispatchThreadgroups_threadsPerThreadgroup_(_size(groups), _size(local))
        enc.endEncoding()

    def finish(self) -> None:
        cmd, self._open = self._open, None
        if cmd is not None:
            cmd.commit()
            cmd.waitUntilCompleted()
            if cmd.error() is not None:
                raise RuntimeError(f"metal: a kernel failed: {cmd.error()}")
