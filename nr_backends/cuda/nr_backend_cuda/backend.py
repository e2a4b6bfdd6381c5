"""The CUDA backend: the ndarray-module base with ``xp = cupy``, plus what differs on a GPU.

What differs: devices and the current-device context, CuPy's memory pool, pinned host memory for
``DataLoader(pin_memory=True)``, device-side random numbers, zero-copy DLPack with PyTorch/CuPy, and fused
elementwise chains: nr_core's generator writes each chain as one CUDA C kernel, compiled by
``cupy.RawModule`` (``fusion.py``).
"""
from __future__ import annotations

import functools

import numpy as np

from nr_core import dtypes as _d
from nr_core.backend import Capabilities
from nr_core.devices import Device
from nr_core.ndarray_backend import NdarrayBackend
from nr_core.optable import OPS

from .fusion import CudaRuntime, fusing_kernels, realized, realizing

INSTALL_HINT = 'pip install "neurarust[cuda]"   (cupy-cuda12x; needs an NVIDIA GPU with a CUDA 12 driver)'


def _has_bfloat16(cupy) -> bool:
    if _d.bfloat16.numpy is None:
        return False
    try:
        x = cupy.ones(2, dtype=_d.bfloat16.numpy)
        return bool((x + x).get().astype(np.float32).tolist() == [2.0, 2.0])
    except Exception:  # CuPy versions without it raise TypeError/ValueError/NotImplementedError
        return False


class CudaBackend(NdarrayBackend):
    name = "cuda"
    device_kind = "cuda"
    distribution = "nr-backend-cuda"
    install_hint = INSTALL_HINT
    capabilities = Capabilities(inplace_out=True)  # CuPy's ufuncs take out=, like NumPy's

    def __init__(self) -> None:
        # the base would build kernels over numpy; CuPy's come from probe(), once it is known to work
        self.kernels = {}
        self.xp = None
        self._count = 0
        self._runtimes: dict = {}

    def probe(self) -> tuple[bool, str]:
        try:
            import cupy
        except ImportError as exc:
            return False, f"CuPy is not installed ({exc})"
        try:
            self._count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # no driver, no device, wrong CUDA version: all mean "not here"
            return False, f"CuPy {cupy.__version__} found no usable CUDA device: {type(exc).__name__}: {exc}"
        if self._count == 0:
            return False, f"CuPy {cupy.__version__} found no CUDA device"
        self.xp = cupy
        if not _has_bfloat16(cupy):  # float16 is CuPy's own; bfloat16 only where CuPy takes ml_dtypes' dtype
            self.capabilities = Capabilities(inplace_out=True, dtypes=Capabilities().dtypes - {_d.bfloat16})
        kernels = fusing_kernels(cupy, self.make_kernels(), self.runtime_of)
        self.kernels.update((name, self._placed(name, kernel)) for name, kernel in kernels.items())
        return True, f"CuPy {cupy.__version__}, {self._count} device(s)"

    def adapt_kernel(self, name: str, kernel):
        """Plugins' kernels: lazy operands realised, 16-bit inputs computed in float32 (the base's upcast), run on
        the right device."""
        return self._placed(name, realizing(self.xp, self.runtime_of, super().adapt_kernel(name, kernel)))

    def _placed(self, name: str, kernel):
        op = OPS.get(name)
        if op is not None and op.kind == "creation" and op.nin == 0:
            return _on_requested_device(self.xp, kernel)  # allocate where device= says
        if self._count > 1:
            return _on_input_device(self.xp, kernel)  # run where the inputs live
        return kernel

    def devices(self) -> list[Device]:
        return [Device("cuda", i) for i in range(self._count)]

    def device_names(self) -> dict:
        import cupy
        out = {}
        for i in range(self._count):
            props = cupy.cuda.runtime.getDeviceProperties(i)
            name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
            out[Device("cuda", i)] = f"{name}, {props['totalGlobalMem'] / 2**30:.0f} GiB"
        return out

    def runtime_of(self, arr) -> CudaRuntime:
        """The fusion runtime of the device a CuPy array lives on."""
        index = arr.device.id
        rt = self._runtimes.get(index)
        if rt is None:
            rt = self._runtimes[index] = CudaRuntime(self.xp, index)
        return rt

    # -- transfer -----------------------------------------------------------------------------
    def from_host(self, array: np.ndarray, device: Device):
        with self.xp.cuda.Device(device.index):
            return self.xp.asarray(array)

    def to_host(self, buf) -> np.ndarray:
        return self.xp.asnumpy(realized(buf))

    def dlpack(self, buf, **kwargs):
        return realized(buf).__dlpack__(**kwargs)

    def dlpack_device(self, buf) -> tuple[int, int]:
        return realized(buf).__dlpack_device__()

    def from_dlpack(self, obj, device: Device, copy=None):
        with self.xp.cuda.Device(device.index):
            buf = self.xp.from_dlpack(obj)
            return buf.copy() if copy else buf

    def pin_memory(self, array: np.ndarray) -> np.ndarray:
        """A page-locked host copy of ``array``: host-to-device copies from it are asynchronous and faster."""
        import cupyx
        pinned = cupyx.empty_pinned(array.shape, array.dtype)
        pinned[...] = array
        return pinned

    def memory_pool(self):
        """CuPy's device memory pool (``used_bytes()``, ``free_all_blocks()``)."""
        return self.xp.get_default_memory_pool()

    # -- random numbers drawn on the device (the creation wrapper picks the device) -----------------
    def seed(self, seed: int) -> None:
        if self.xp is not None:
            self.xp.random.seed(seed)

    def k_random_normal(self, shape, mean, std, dtype, device):
        return (self.xp.random.standard_normal(shape, dtype=dtype.numpy) * std + mean).astype(dtype.numpy)

    def k_random_uniform(self, shape, low, high, dtype, device):
        return (self.xp.random.random(shape, dtype=dtype.numpy) * (high - low) + low).astype(dtype.numpy)

    def k_random_integers(self, shape, low, high, dtype, device):
        return self.xp.random.randint(low, high, shape).astype(dtype.numpy)


def _on_requested_device(cupy, kernel):
    @functools.wraps(kernel)
    def run(*args, device, **kwargs):
        with cupy.cuda.Device(device.index):
            return kernel(*args, device=device, **kwargs)
    return run


def _on_input_device(cupy, kernel):
    @functools.wraps(kernel)
    def run(*args, **kwargs):
        for a in args:
            dev = getattr(a, "device", None)
            if dev is not None and hasattr(dev, "id"):
                with cupy.cuda.Device(dev.id):
                    return kernel(*args, **kwargs)
        return kernel(*args, **kwargs)
    return run
