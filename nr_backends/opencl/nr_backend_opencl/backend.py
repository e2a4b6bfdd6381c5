"""The OpenCL backend: devices ``opencl:N`` over every device of every platform, the kernel table, transfers.

Nothing here imports pyopencl at module level: ``probe()`` does, and explains (never raises) when pyopencl
or an OpenCL platform is missing.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nr_core import dtypes as _d
from nr_core.backend import Backend, Capabilities
from nr_core.devices import Device

POCL_HINT = 'pip install "pyopencl[pocl]"   (PoCL: a CPU OpenCL device on any machine)'
# float16 and bfloat16 too, on every device: stored as 16 bits, computed in float (vload_half/vstore_half are
# core OpenCL C), so cl_khr_fp16 is not needed
_ALL = frozenset(d for d in _d.ALL_DTYPES if d.numpy is not None)
_FP64 = frozenset((_d.float64, _d.complex128))


class OpenCLBackend(Backend):
    name = "opencl"
    device_kind = "opencl"
    distribution = "nr-backend-opencl"
    install_hint = 'pip install "nr-backend-opencl[pocl]"   (or a GPU vendor\'s OpenCL driver)'
    capabilities = Capabilities(dtypes=_ALL, data_dependent_shapes=True, dlpack=True)

    def __init__(self) -> None:
        super().__init__()
        self._found: list = []       # (platform, device) per opencl:N
        self._runtimes: dict = {}    # N -> DeviceRuntime, created on first use

    # -- availability ------------------------------------------------------------------------------
    def probe(self) -> tuple[bool, str]:
        try:
            import pyopencl as cl
        except ImportError as exc:
            return False, f"pyopencl is not importable ({exc}); install it: {POCL_HINT}"
        try:
            platforms = cl.get_platforms()
        except cl.Error as exc:
            return False, (f"no OpenCL platform found ({str(exc).strip()}); install a GPU driver's OpenCL ICD "
                           f"or {POCL_HINT}")
        found = []
        for p in platforms:
            try:
                found.extend((p, d) for d in p.get_devices())
            except cl.Error:
                continue  # a platform without devices (or with a broken driver) is skipped
        if not found:
            return False, f"OpenCL platforms found ({', '.join(p.name for p in platforms)}) but no devices; {POCL_HINT}"
        self._found = found
        if not all("cl_khr_fp64" in d.extensions.split() for _, d in found):
            self.capabilities = Capabilities(dtypes=_ALL - _FP64, data_dependent_shapes=True, dlpack=True)
        from nr_core.kernelgen.device.kernels import build_kernels
        self.kernels.update(build_kernels(self))
        names = "; ".join(f"opencl:{i} {d.name.strip()}" for i, (_, d) in enumerate(found))
        return True, f"{len(found)} device(s): {names}"

    def devices(self) -> list[Device]:
        return [Device("opencl", i) for i in range(len(self._found))]

    def device_names(self) -> dict[Device, str]:
        return {Device("opencl", i): f"{p.name.strip()} / {d.name.strip()} ({d.version.strip()})"
                for i, (p, d) in enumerate(self._found)}

    def accepts_device(self, device: Device) -> bool:
        return device.kind == "opencl" and device.index < len(self._found)

    def is_accelerator(self, device: Device) -> bool:
        import pyopencl as cl
        return not self._found[device.index][1].type & cl.device_type.CPU  # PoCL's pthread device is the host

    def runtime(self, device: Device):
        rt = self._runtimes.get(device.index)
        if rt is None:
            from .runtime import DeviceRuntime
            p, d = self._found[device.index]
            rt = self._runtimes[device.index] = DeviceRuntime(device.index, p, d)
        return rt

    def supports_dtype(self, dtype: _d.DType, device: Device | None = None) -> bool:
        if dtype.numpy is None:  # bfloat16 without ml_dtypes: no host dtype to move it through
            return False
        if dtype in _FP64:
            if device is None:
                return dtype in self.capabilities.dtypes
            return self.accepts_device(device) and self.runtime(device).fp64
        return True

    # -- transfer ----------------------------------------------------------------------------------
    def from_host(self, array: np.ndarray, device: Device) -> Any:
        from nr_core.kernelgen.device.transfer import from_host
        return from_host(self.runtime(device), array)

    def to_host(self, buf) -> np.ndarray:
        from nr_core.kernelgen.device.transfer import to_host
        return to_host(buf)

    def dlpack(self, buf, **kwargs) -> Any:
        # PyOpenCL exports no DLPack capsule: hand out a host copy's, and say so in dlpack_device
        return self.to_host(buf).__dlpack__(**kwargs)

    def dlpack_device(self, buf) -> tuple[int, int]:
        return (1, 0)
