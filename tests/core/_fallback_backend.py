"""A test backend without linalg/fft kernels, so the frontend decompositions and host fallbacks run on it."""
from __future__ import annotations

import contextlib

import numpy as np

import nr_core as nr
from nr_core.backend import Capabilities
from nr_core.devices import Device
from nr_core.ndarray_backend import NdarrayBackend
from nr_core.optable import OPS
from nr_core.plugins import REGISTRY

KIND = "nokernels"
EXTENSION_OPS = frozenset(name for name, op in OPS.items() if op.kind in ("linalg", "fft")
                          or name in ("fftfreq", "rfftfreq")) - {"matmul", "tensordot", "vecdot"}


class NoExtensionKernelsBackend(NdarrayBackend):
    name = "test-nokernels"
    device_kind = KIND

    def __init__(self) -> None:
        super().__init__(np)
        for name in EXTENSION_OPS:
            self.kernels.pop(name, None)

    def devices(self):
        return [Device(KIND, 0)]

    def from_host(self, array, device):
        return np.array(array, copy=True)  # its own memory, like a real device

    def to_host(self, buf):
        return np.asarray(buf)


class _RealOnly(NoExtensionKernelsBackend):
    capabilities = Capabilities(dtypes=frozenset(d for d in nr._dtypes.ALL_DTYPES if d.kind != "complex"))


class _Plugin:
    def __init__(self, backend_class) -> None:
        self.backend_class = backend_class

    @nr.hookimpl
    def nr_register_backends(self, register):
        register(self.backend_class())


@contextlib.contextmanager
def fallback_device(real_only: bool = False):
    """Yield the device string of a registered backend that lacks every linalg/fft kernel (and, with
    ``real_only``, complex dtypes too)."""
    REGISTRY.ensure()
    REGISTRY.register_plugin(_Plugin(_RealOnly if real_only else NoExtensionKernelsBackend),
                             name="test-nokernels-plugin")
    try:
        yield f"{KIND}:0"
    finally:
        REGISTRY.unregister_plugin("test-nokernels-plugin")
