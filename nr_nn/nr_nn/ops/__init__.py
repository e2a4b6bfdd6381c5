"""The fused nn ops nr_nn adds to the op table (kernels in ``nr_core.ndarray_nn``; decompositions and
gradient rules here, written in nr ops), and ``ensure_registered`` for use without installed entry points."""
from __future__ import annotations

from . import conv, normalization, pooling, rnn, softmax, special

ALL = conv.OPS + pooling.OPS + softmax.OPS + normalization.OPS + special.OPS + rnn.OPS


def ensure_registered() -> None:
    """Register the ops now if discovery did not (e.g. nr_nn imported from a source tree)."""
    from nr_core import optable
    from nr_core.plugins import REGISTRY
    REGISTRY.ensure()
    if any(op.name not in optable.OPS for op, _, _ in ALL):
        from .. import plugin
        REGISTRY.register_plugin(plugin, name="nn")
