"""Hook specifications of the ``nr`` plugin manager.

Each hook is called once, at discovery, never per op. A plugin implements any of them with
``@nr_core.hookimpl`` and hands what it provides to the ``register`` callback it is given, so the
signatures stay stable as features grow.
"""
import pluggy

hookspec = pluggy.HookspecMarker("nr")
hookimpl = pluggy.HookimplMarker("nr")


@hookspec
def nr_register_backends(register):
    """Register array backends.

    :param register: ``register(backend)`` with an ``nr_core.backend.Backend`` instance. A backend
        registered here is probed lazily; it may be listed as unavailable with its reason.
    """


@hookspec
def nr_register_interceptors(register):
    """Register dispatch interceptors (nr_autograd registers its graph recorder here).

    :param register: ``register(name, interceptor)``. An interceptor is called as
        ``interceptor(op, inputs, params, run)`` for ops whose inputs require grad while grad mode is
        on; ``run(inputs, params)`` computes the op's result without interception.
    """


@hookspec
def nr_register_ops(register):
    """Add ops to the op table, with their frontend decompositions and gradient rules.

    :param register: ``register(opdef, decomposition=None, vjp=None, samples=None)``: ``opdef`` an
        ``nr_core.optable.OpDef``; ``decomposition(*inputs, **params)`` written in nr ops, used on
        backends without a kernel; ``vjp`` a gradient rule handed to the registered interceptor;
        ``samples(dtypes)`` yields ``nr_core.testing.cases.Sample`` objects for the backend test kit.
    """
