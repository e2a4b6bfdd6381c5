"""Entry point of the example backend (group ``nr.backends``): nr_core knows nothing of it."""
import nr_core


@nr_core.hookimpl
def nr_register_backends(register):
    from .backend import ExampleBackend
    register(ExampleBackend())
