"""Entry point of the CUDA backend. Light on purpose: CuPy is imported by ``probe()``, never here."""
import nr_core


@nr_core.hookimpl
def nr_register_backends(register):
    from .backend import CudaBackend
    register(CudaBackend())
