"""Entry point of nr-autograd: registers its engine (``nr_core.grad_engine.GradEngine``) as ``"autograd"``."""
import nr_core


@nr_core.hookimpl
def nr_register_grad_engines(register):
    from .engine import ENGINE
    register("autograd", ENGINE)
