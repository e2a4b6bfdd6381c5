"""Entry point of nr_optim (group ``nr.backends``): adds the multi-tensor optimizer updates to the op table, with
their decompositions, kernels for every NumPy-like backend, and the backend test kit's samples."""
import sys

import nr_core


@nr_core.hookimpl
def nr_register_ops(register):
    from nr_core.ndarray_backend import NdarrayBackend

    from ._kernels import KERNELS
    from ._multi import OPS, SAMPLES
    for opdef, decomposition in OPS:
        register(opdef, decomposition=decomposition, samples=SAMPLES[opdef.name],
                 kernels={NdarrayBackend: KERNELS[opdef.name]})


def ensure_registered() -> None:
    """Register this plugin now (importing nr_optim must give the fused updates even without its entry point, e.g.
    from a source tree); discovery later finds the same plugin object and leaves it be."""
    from nr_core.plugins import REGISTRY

    from . import _version
    REGISTRY.register_plugin(sys.modules[__name__], name="optim", distribution="nr-optim",
                             version=_version.__version__)
