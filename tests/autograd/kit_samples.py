"""The backend test kit's samples (the one sample database) as gradient-check cases on the CPU."""
from __future__ import annotations

import numpy as np

from nr_core import dtypes as _d
from nr_core.optable import OPS
from nr_core.plugins import REGISTRY
from nr_core.testing import cases

_WIDE = (np.float64, np.complex128)


def grad_samples(per_op: int | None = None) -> list:
    """Smooth samples of every differentiable op, preferring those drawn in float64/complex128 (the checks run
    in those dtypes anyway), at most ``per_op`` of each."""
    REGISTRY.ensure()
    out = []
    for name, op in sorted(OPS.items()):
        if not op.differentiable:
            continue
        smooth = [s for s in cases.samples_for(name, frozenset(_d.ALL_DTYPES))
                  if s.grad and any(isinstance(a, np.ndarray) and a.dtype.kind in "fc" and a.size for a in s.args)]
        wide = [s for s in smooth if all(a.dtype in _WIDE for a in s.args
                                         if isinstance(a, np.ndarray) and a.dtype.kind in "fc")]
        out.extend((wide or smooth)[:per_op])
    return out
