"""The fused nn ops nr_nn adds to the op table: decompositions and gradient rules (in nr ops) per family here,
kernels for NumPy-like backends in ``ndarray_kernels``, kit samples in ``samples`` (or beside the op); and
``ensure_registered``."""
from __future__ import annotations

from . import (attention, binary_cross_entropy, conv, linear, loss, normalization, pooling, recurrent,
               recurrent_samples, rnn, softmax, special)
from .samples import SAMPLES as _BASE_SAMPLES

ALL = (conv.OPS + pooling.OPS + softmax.OPS + normalization.OPS + special.OPS + rnn.OPS + linear.OPS + loss.OPS
       + binary_cross_entropy.OPS + recurrent.OPS + attention.OPS)
# multi-output ops whose rule reads only some outputs: the others may be modified in place afterwards, as in
# PyTorch (``out = bn(conv(x)); out += shortcut``; a pooled map fed to an in-place ReLU)
SAVED_OUTPUTS = {"batch_norm": (1, 2), "max_pool": (1,), "scaled_dot_product_attention": (1,)}
# op name -> kit samples: the first families' live in ``samples``, later ones beside their ops
SAMPLES = {**_BASE_SAMPLES, **normalization.SAMPLES, **linear.SAMPLES, **loss.SAMPLES, **recurrent_samples.SAMPLES,
           **attention.SAMPLES}
# autocast policies of these ops (PyTorch's CPU lists; the frontends that check dtypes declare theirs with the
# function, so they are cast before the check); batch_norm runs unchanged, its statistics in float32; GRU in
# float32, as PyTorch's CPU autocast leaves it
AMP = {"conv": "low", "conv_transpose": "low", "lstm_cell": "low", "linear": "low", "rnn_sequence": "low",
       "lstm_sequence": "low", "gru_sequence": "fp32", "scaled_dot_product_attention": "low", "softmax": "fp32",
       "log_softmax": "fp32", "layer_norm": "fp32", "cross_entropy": "fp32", "binary_cross_entropy": "fp32"}


def ensure_registered() -> None:
    """Register nr_nn's plugin now (importing nr_nn must give working layers even without its entry point, e.g.
    from a source tree); discovery later finds the same plugin object and leaves it be. No discovery here:
    this runs while nr_nn is being imported."""
    from nr_core.plugins import REGISTRY

    from .. import _version, plugin
    REGISTRY.register_plugin(plugin, name="nn", distribution="nr-nn", version=_version.__version__)
