"""Hook specifications of the ``nr`` plugin manager.

Each hook is called once, when its plugin is registered (at discovery, or at import for nr_core's own ops),
never per op. A plugin implements any of them with ``@nr_core.hookimpl`` and hands what it provides to the
``register`` callback it is given, so the signatures stay stable as features grow.
"""
import pluggy

hookspec = pluggy.HookspecMarker("nr")
hookimpl = pluggy.HookimplMarker("nr")


@hookspec
def nr_register_backends(register):
    """Register array backends.

    :param register: ``register(backend)`` with an ``nr_core.backend.Backend`` instance. A backend registered
        here is probed lazily; it may be listed as unavailable with its reason. A second backend with a taken
        name or device kind is refused (and listed so).
    """


@hookspec
def nr_register_ops(register):
    """Add ops to the op table: the one way an op comes in (nr_core's own ops use it too).

    :param register: ``register(opdef, decomposition=None, vjp=None, samples=None, kernels=None, amp=None,
        saved_outputs=None)``:
        ``opdef`` an ``nr_core.optable.OpDef``; ``decomposition(*inputs, **params)`` written in nr ops, run on
        backends without a kernel (required unless the op is a primitive); ``vjp(ctx, grad)`` its gradient
        rule, handed to the grad engine; ``samples(op_name, dtypes)`` yields ``nr_core.samples.Sample``
        objects for the backend test kit; ``kernels`` maps a backend name or a ``Backend`` subclass to
        ``kernel(backend, *buffers, **params)`` (installed where that backend has no kernel of its own); ``amp``
        the op's autocast policy, ``"low"``, ``"fp32"`` or ``"promote"`` (None: autocast leaves it unchanged);
        ``saved_outputs`` the indices of a multi-output op's outputs that ``vjp`` reads (default: all; the
        others are neither kept nor checked for in-place changes).
    """


@hookspec
def nr_register_grad_engines(register):
    """Register an autograd engine (nr_autograd registers ``"autograd"``).

    :param register: ``register(name, engine)``, ``engine`` implementing ``nr_core.grad_engine.GradEngine``.
        The first one registered is used, unless ``NR_GRAD_ENGINE`` names another.
    """
