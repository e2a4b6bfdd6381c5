"""gradcheck of every differentiable op (float64 / complex128 samples from op_samples.py) on CPU."""
from __future__ import annotations

import pytest

from nr_autograd import gradcheck
from op_samples import SAMPLES


@pytest.mark.parametrize("case", SAMPLES, ids=lambda s: s.id)
def test_gradcheck(case):
    assert gradcheck(case.fn, case.inputs)
