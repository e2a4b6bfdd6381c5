"""Every differentiable op of the op table has a gradient rule and a gradcheck sample that really records it."""
from __future__ import annotations

import pytest

from nr_core.optable import OPS
from nr_core.plugins import REGISTRY
import nr_autograd
from graph_walk import recorded_ops
from op_samples import SAMPLES


def test_every_differentiable_op_has_a_rule():
    assert nr_autograd.check_coverage() == []


def test_every_differentiable_op_has_a_sample():
    # ops that plugins add with their own vjp (nr_nn's conv, ...) are checked by those plugins' tests
    from nr_autograd.rules import RULES
    sampled = {s.op for s in SAMPLES}
    missing = sorted(n for n, op in OPS.items() if op.differentiable and n in RULES and n not in sampled)
    assert missing == []
    assert all(n in RULES for n, op in OPS.items() if op.differentiable and n not in REGISTRY.vjps)


def test_setitem_has_a_rule_and_a_sample():
    # setitem is not marked differentiable in the table (it is in-place), but gradients flow through it
    from nr_autograd.rules import RULES
    assert "setitem" in RULES and any(s.op == "setitem" for s in SAMPLES)


@pytest.mark.parametrize("case", SAMPLES, ids=lambda s: s.id)
def test_sample_records_its_op(case):
    out = case.fn(*case.inputs)
    assert case.op in recorded_ops(*(out if isinstance(out, tuple) else (out,)))
