"""Entry point of the CPU backend: registers it through the same hook third parties use."""
import nr_core


@nr_core.hookimpl
def nr_register_backends(register):
    from .backend import CpuBackend
    register(CpuBackend())
