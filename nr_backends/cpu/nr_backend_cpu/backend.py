"""The CPU backend: the ndarray-module base over NumPy, plus host specifics (fake devices, zero-copy host views)."""
from __future__ import annotations

import numpy as np

from nr_core.devices import Device
from nr_core.ndarray_backend import NdarrayBackend

from . import allocator, blas, native, parallel, select

# arithmetic split over threads when large (parallel.py); the rest stay single-threaded NumPy calls
PARALLEL_BINARY = ("add", "subtract", "multiply", "divide")

# cpu:1 is a fake second device: the same memory, a different identity, so device rules are testable without a GPU
N_FAKE_DEVICES = 2


class CpuBackend(NdarrayBackend):
    name = "cpu"
    device_kind = "cpu"
    distribution = "nr-backend-cpu"
    install_hint = "pip install nr-backend-cpu"
    xp = np

    def devices(self) -> list[Device]:
        return [Device("cpu", 0)]

    def is_accelerator(self, device: Device) -> bool:
        return False

    def accepts_device(self, device: Device) -> bool:
        return device.kind == "cpu" and device.index < N_FAKE_DEVICES

    def device_names(self):
        import platform
        return {Device("cpu", 0): f"{platform.processor() or platform.machine()} (NumPy {np.__version__})"}

    def __init__(self) -> None:
        super().__init__()
        allocator.tune()
        self.large_kernels = {name: (parallel.MIN_SIZE, parallel.binary(self.kernels[name]))
                              for name in PARALLEL_BINARY}

    def for_slabs(self, fn, *arrays) -> None:
        parallel.for_slabs(fn, arrays)

    def native(self, path: str):
        return native.library(path)

    def strided_gemm(self, dtype) -> bool:
        return np.dtype(dtype) in (np.float32, np.float64) and blas.available()

    def gemm(self, a, b, out, beta: float) -> bool:
        return blas.gemm(a, b, out, beta)

    def k_sum(self, x, axis=None, keepdims=False, dtype=None):
        if (axis is None or axis == tuple(range(x.ndim))) and (dtype is None or dtype.numpy == x.dtype):
            s = parallel.total(x)
            if s is not None:
                return np.reshape(s, (1,) * x.ndim) if keepdims else s
        elif dtype is None or dtype.numpy == x.dtype:
            axes = axis if type(axis) is tuple else (axis,)
            s = parallel.axis_total(x, axes)
            if s is not None:
                if keepdims:
                    nd, summed = x.ndim, {a % x.ndim for a in axes}
                    s = s.reshape(tuple(1 if i in summed else n for i, n in enumerate(x.shape)))
                return s
        return super().k_sum(x, axis=axis, keepdims=keepdims, dtype=dtype)

    def k_where(self, condition, x1, x2):
        return select.where(condition, x1, x2)

    def from_host(self, array: np.ndarray, device) -> np.ndarray:
        return array  # host memory is device memory: no copy

    def to_host(self, buf: np.ndarray) -> np.ndarray:
        return buf

    def from_dlpack(self, obj, device, copy=None):
        return np.from_dlpack(obj, copy=copy)
