"""Entry point of the Dask backend (group ``nr.backends``): nr_core knows nothing of it, and importing this module
imports neither Dask nor the backend; discovery calls the hook."""
import nr_core


@nr_core.hookimpl
def nr_register_backends(register):
    from .backend import DaskBackend
    register(DaskBackend())
