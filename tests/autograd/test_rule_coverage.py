"""Every differentiable op of the op table has a gradient rule and a kit sample that really records it."""
from __future__ import annotations

import pytest

import nr_autograd
from graph_walk import recorded_ops
from kit_samples import grad_samples
from nr_core.devices import Device
from nr_core.optable import OPS
from nr_core.plugins import REGISTRY
from nr_core.testing.checks import grad_call

SAMPLES = grad_samples(per_op=1)


def test_every_differentiable_op_has_a_rule():
    assert nr_autograd.check_coverage() == []


def test_every_differentiable_op_has_a_gradient_sample():
    missing = sorted(n for n, op in OPS.items() if op.differentiable and n not in {s.op for s in SAMPLES})
    assert missing == []


@pytest.mark.parametrize("case", SAMPLES, ids=lambda s: f"{s.op}-{s.label}")
def test_sample_records_its_op(case):
    if case.op not in REGISTRY.backend_for(Device("cpu", 0)).kernels:
        pytest.skip(f"the CPU backend runs {case.op} through its decomposition, whose ops are recorded instead")
    fn, inputs = grad_call(case, "cpu")
    out = fn(*inputs)
    assert case.op in recorded_ops(*(out if isinstance(out, tuple) else (out,)))

