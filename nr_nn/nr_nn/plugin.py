"""Entry point of nr_nn (group ``nr.backends``): adds the fused nn ops with their decompositions, gradient
rules and the backend test kit's sample inputs."""
import nr_core


@nr_core.hookimpl
def nr_register_ops(register):
    from .ops import ALL
    from .ops.samples import SAMPLES
    for opdef, decomposition, vjp in ALL:
        register(opdef, decomposition=decomposition, vjp=vjp, samples=SAMPLES[opdef.name])
