"""Second derivatives (create_graph=True through the rules themselves) by gradgradcheck, for the elementwise,
reduction/scan, matmul-family and shape ops, plus indexing and the linalg/fft extensions."""
from __future__ import annotations

import pytest

from nr_core.optable import OPS
from nr_autograd import gradgradcheck
from op_samples import SAMPLES

FAMILIES = {"elementwise", "reduction", "scan", "shape", "indexing", "sort", "cast", "transfer", "creation", "linalg",
            "fft"}
CASES = [s for s in SAMPLES if OPS[s.op].kind in FAMILIES or s.op == "setitem"]


def test_the_acceptance_families_are_all_here():
    kinds = {OPS[s.op].kind for s in CASES}
    assert {"elementwise", "reduction", "shape"} <= kinds
    assert {"matmul", "tensordot", "vecdot"} <= {s.op for s in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda s: s.id)
def test_gradgradcheck(case):
    assert gradgradcheck(case.fn, case.inputs)
