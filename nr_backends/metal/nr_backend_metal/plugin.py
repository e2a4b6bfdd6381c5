"""Entry point of the Metal backend: light on purpose, Metal (pyobjc) is imported only by ``probe()``."""
import nr_core


@nr_core.hookimpl
def nr_register_backends(register):
    from .backend import MetalBackend
    register(MetalBackend())
