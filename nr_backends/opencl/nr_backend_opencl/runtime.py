"""Per-device OpenCL state: context and in-order queue; memory, copies, compiles and launches for the shared
device layer (``nr_core.kernelgen.device``)."""
from __future__ import annotations

import warnings

import numpy as np
import pyopencl as cl

from nr_core.kernelgen import OPENCL, Kernel
from nr_core.kernelgen.device.runtime import Runtime


class DeviceRuntime(Runtime):
    """Context, queue, pool and compiled kernels of one OpenCL device."""

    dialect = OPENCL

    def __init__(self, index: int, platform: cl.Platform, device: cl.Device) -> None:
        self.platform, self.device = platform, device
        self.ctx = cl.Context([device])
        self.queue = cl.CommandQueue(self.ctx)
        self.extensions = frozenset(device.extensions.split())
        self.is_cpu = bool(device.type & cl.device_type.CPU)
        super().__init__(index, "cl_khr_fp64" in self.extensions, int(device.max_work_group_size),
                         int(device.local_mem_size), int(device.max_compute_units))
        self.max_alloc = int(device.max_mem_alloc_size)
        self.vector_width = max(1, int(device.native_vector_width_float))

    def _allocate(self, nbytes: int) -> cl.Buffer:
        try:
            return cl.Buffer(self.ctx, cl.mem_flags.READ_WRITE, nbytes)
        except (cl.MemoryError, cl.RuntimeError) as exc:
            raise MemoryError(f"opencl:{self.index}: cannot allocate {nbytes} bytes ({exc})") from None

    def _release(self, buf: cl.Buffer) -> None:
        buf.release()

    def _write(self, buf: cl.Buffer, host: np.ndarray) -> None:
        cl.enqueue_copy(self.queue, buf, host, is_blocking=False)

    def _read(self, buf: cl.Buffer, byte_offset: int, out: np.ndarray) -> None:
        cl.enqueue_copy(self.queue, out, buf, src_offset=byte_offset, is_blocking=True)

    def _compile(self, kern: Kernel) -> cl.Kernel:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cl.CompilerWarning)
            prg = cl.Program(self.ctx, kern.source).build()
        k = getattr(prg, kern.name)
        k.set_scalar_arg_dtypes(list(kern.arg_dtypes))
        return k

    def launch(self, kernel: cl.Kernel, gsize: tuple, lsize: tuple | None, args: list) -> None:
        kernel.set_args(*args)
        cl.enqueue_nd_range_kernel(self.queue, kernel, gsize, lsize)

    def finish(self) -> None:
        self.queue.finish()
