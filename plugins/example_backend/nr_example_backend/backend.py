"""The 'example' device: NumPy kernels, but without 64-bit floats or complex numbers, like many accelerators.

It shows how little a backend over a NumPy-like module needs, and that capability declarations make the
frontend refuse unsupported dtypes and the test kit skip them.
"""
import numpy as np

import nr_core as nr
from nr_core.backend import Capabilities
from nr_core.devices import Device
from nr_core.ndarray_backend import NdarrayBackend


class ExampleBackend(NdarrayBackend):
    name = "example"
    device_kind = "example"
    distribution = "nr-example-backend"
    install_hint = "pip install ./plugins/example_backend"
    capabilities = Capabilities(dtypes=frozenset(d for d in nr._dtypes.ALL_DTYPES
                                                 if d.kind != "complex" and d is not nr.float64))

    def __init__(self):
        super().__init__(np)

    def devices(self):
        return [Device("example", 0)]

    def device_names(self):
        return {Device("example", 0): "NumPy behind a float32-only device (example plugin)"}

    def from_host(self, array, device):
        return np.array(array, copy=True)  # its own memory: a copy, like a real device

    def to_host(self, buf):
        return np.asarray(buf)
