"""Entry point of nr-autograd: hands the graph recorder to nr_core's dispatcher as the ``autograd`` interceptor."""
import nr_core


@nr_core.hookimpl
def nr_register_interceptors(register):
    from .engine import ENGINE
    register("autograd", ENGINE)
