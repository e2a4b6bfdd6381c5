"""The Metal backend: device ``metal:0`` (the system's default GPU), kernels from nr_core's generator in MSL.

Two runtimes serve it: ``runtime_metal`` (the real one, macOS only, through pyobjc) and ``runtime_shim``
(MSL compiled through a C++ header on any machine with g++ or clang++, run on the host; selected with
``NR_METAL_RUNTIME=shim``, for testing the backend where no Mac is). Nothing here imports either at module
level, so the package imports everywhere.
"""
from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from nr_core import dtypes as _d
from nr_core.backend import Backend, Capabilities
from nr_core.devices import Device

INSTALL_HINT = 'pip install "neurarust[metal]"   (on macOS 13+ with an Apple GPU; pulls pyobjc-framework-Metal)'
UNVERIFIED = "the Metal runtime (device, buffers, queue) is unverified until run on a Mac"
# MSL has no double: float64 and complex128 arrays are refused by the frontend before any kernel; float16 and
# bfloat16 are stored as 16 bits and computed in float by the shared generator (bfloat16 needs ml_dtypes)
DTYPES = frozenset(d for d in _d.ALL_DTYPES if d.numpy is not None) - {_d.float64, _d.complex128}


class MetalBackend(Backend):
    name = "metal"
    device_kind = "metal"
    distribution = "nr-backend-metal"
    install_hint = INSTALL_HINT
    capabilities = Capabilities(dtypes=DTYPES, data_dependent_shapes=True, dlpack=True)

    def __init__(self, runtime: str | None = None) -> None:
        """``runtime``: "metal" or "shim"; None reads ``NR_METAL_RUNTIME`` at probe time (default "metal")."""
        super().__init__()
        self._choice = runtime
        self._runtime = None
        self._name = ""

    # -- availability ------------------------------------------------------------------------------
    def probe(self) -> tuple[bool, str]:
        choice = self._choice if self._choice is not None else os.environ.get("NR_METAL_RUNTIME", "").strip().lower()
        if choice == "shim":
            from .runtime_shim import ShimRuntime, find_compiler
            cxx = find_compiler()
            if cxx is None:
                return False, "NR_METAL_RUNTIME=shim needs a C++ compiler (g++ or clang++; or set NR_SHIM_CXX)"
            self._runtime = ShimRuntime(0, cxx)
            self._name = f"MSL shim on the host through {os.path.basename(cxx)} (not a GPU; {UNVERIFIED})"
        elif choice not in ("", "metal"):
            return False, f"NR_METAL_RUNTIME={choice!r}: expected 'metal' or 'shim'"
        elif sys.platform != "darwin":
            return False, (f"Metal needs macOS (this is {sys.platform}); {UNVERIFIED}. "
                           "NR_METAL_RUNTIME=shim runs the backend's MSL kernels on the host, for testing")
        else:
            try:
                from .runtime_metal import MetalRuntime, default_device
            except ImportError as exc:
                return False, f"pyobjc-framework-Metal is not importable ({exc}); {UNVERIFIED}"
            device = default_device()
            if device is None:
                return False, f"MTLCreateSystemDefaultDevice() found no Metal GPU; {UNVERIFIED}"
            self._runtime = MetalRuntime(0, device)
            self._name = f"{device.name()} (Metal; {UNVERIFIED})"
        from nr_core.kernelgen.device.kernels import build_kernels
        self.kernels.update(build_kernels(self))
        return True, f"1 device: metal:0 {self._name}"

    def devices(self) -> list[Device]:
        return [Device("metal", 0)] if self._runtime is not None else []

    def device_names(self) -> dict[Device, str]:
        return {Device("metal", 0): self._name} if self._runtime is not None else {}

    def accepts_device(self, device: Device) -> bool:
        return device.kind == "metal" and device.index == 0 and self._runtime is not None

    def is_accelerator(self, device: Device) -> bool:
        return not getattr(self._runtime, "is_host", False)

    def runtime(self, device: Device):
        if not self.accepts_device(device):
            raise ValueError(f"metal backend: no device {device} (only metal:0, once probed)")
        return self._runtime

    # -- transfer ----------------------------------------------------------------------------------
    def from_host(self, array: np.ndarray, device: Device) -> Any:
        from nr_core.kernelgen.device.transfer import from_host
        return from_host(self.runtime(device), array)

    def to_host(self, buf) -> np.ndarray:
        from nr_core.kernelgen.device.transfer import to_host
        return to_host(buf)

    def dlpack(self, buf, **kwargs) -> Any:
        # no DLPack from Metal buffers: hand out a host copy's, and say so in dlpack_device
        return self.to_host(buf).__dlpack__(**kwargs)

    def dlpack_device(self, buf) -> tuple[int, int]:
        return (1, 0)
