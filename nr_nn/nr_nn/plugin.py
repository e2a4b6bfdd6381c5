"""Entry point of nr_nn (group ``nr.backends``): adds the fused nn ops with their decompositions, gradient
rules, kernels for every NumPy-like backend, and the backend test kit's sample inputs."""
import nr_core


@nr_core.hookimpl
def nr_register_ops(register):
    from nr_core.ndarray_backend import NdarrayBackend

    from .ops import ALL, AMP, SAMPLES, SAVED_OUTPUTS
    from .ops.ndarray_kernels import KERNELS
    for opdef, decomposition, vjp in ALL:
        kernel = KERNELS.get(opdef.name)
        register(opdef, decomposition=decomposition, vjp=vjp, samples=SAMPLES[opdef.name],
                 kernels={NdarrayBackend: kernel} if kernel else None, amp=AMP.get(opdef.name),
                 saved_outputs=SAVED_OUTPUTS.get(opdef.name))
