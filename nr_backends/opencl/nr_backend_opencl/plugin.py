"""Entry point of the OpenCL backend: light on purpose, pyopencl is imported only by ``probe()``."""
import nr_core


@nr_core.hookimpl
def nr_register_backends(register):
    from .backend import OpenCLBackend
    register(OpenCLBackend())
