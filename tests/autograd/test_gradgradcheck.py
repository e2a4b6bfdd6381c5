"""Second derivatives (create_graph=True through the rules themselves) by gradgradcheck, on the kit's samples of
every differentiable op (two per op), elementwise, reductions, products, shape, indexing, linalg and fft alike."""
from __future__ import annotations

import pytest

from kit_samples import grad_samples
from nr_autograd import gradgradcheck
from nr_core.optable import OPS
from nr_core.testing.checks import grad_call

CASES = grad_samples(per_op=2)


def test_the_acceptance_families_are_all_here():
    kinds = {OPS[s.op].kind for s in CASES}
    assert {"elementwise", "reduction", "shape", "indexing", "linalg", "fft"} <= kinds
    assert {"matmul", "tensordot", "vecdot", "setitem"} <= {s.op for s in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda s: f"{s.op}-{s.label}")
def test_gradgradcheck(case):
    assert gradgradcheck(*grad_call(case, "cpu"))
