"""Pick the best available device: the first accelerator among cuda and opencl devices, else cpu.

An OpenCL device that is itself a CPU (PoCL) is no faster than the CPU backend, so it is not preferred;
``--device opencl`` still picks it explicitly.
"""
from nr_core.plugins import REGISTRY


def best_device(requested: str | None = None) -> str:
    if requested:
        return requested
    found = REGISTRY.accelerators()
    return str(found[0]) if found else "cpu"
