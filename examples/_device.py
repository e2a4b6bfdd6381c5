"""Pick the best available device: the first accelerator among cuda and opencl devices, else cpu.

An OpenCL device that is itself a CPU (PoCL) is no faster than the CPU backend, so it is not preferred;
``--device opencl`` still picks it explicitly.
"""
import nr_core as nr
from nr_core.plugins import REGISTRY

PREFERENCE = ("cuda", "opencl")


def best_device(requested: str | None = None) -> str:
    if requested:
        return requested
    devices = nr.__array_namespace_info__().devices()
    for kind in PREFERENCE:
        for dev in devices:
            if dev.kind == kind and REGISTRY.backend_for(dev).is_accelerator(dev):
                return str(dev)
    return "cpu"
