"""The fused nn ops nr_nn adds to the op table: decompositions and gradient rules (in nr ops) per family here,
kernels for NumPy-like backends in ``ndarray_kernels``, kit samples in ``samples``; and ``ensure_registered``."""
from __future__ import annotations

from . import conv, normalization, pooling, rnn, softmax, special

ALL = conv.OPS + pooling.OPS + softmax.OPS + normalization.OPS + special.OPS + rnn.OPS
# autocast policies of these ops (the functional frontends that check dtypes declare theirs with the function)
AMP = {"conv": "low", "conv_transpose": "low", "lstm_cell": "low", "softmax": "fp32", "log_softmax": "fp32",
       "layer_norm": "fp32"}


def ensure_registered() -> None:
    """Register nr_nn's plugin now (importing nr_nn must give working layers even without its entry point, e.g.
    from a source tree); discovery later finds the same plugin object and leaves it be. No discovery here:
    this runs while nr_nn is being imported."""
    from nr_core.plugins import REGISTRY

    from .. import _version, plugin
    REGISTRY.register_plugin(plugin, name="nn", distribution="nr-nn", version=_version.__version__)
