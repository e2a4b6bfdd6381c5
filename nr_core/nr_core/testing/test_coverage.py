"""The kit covers the whole op table: every op has sample inputs, every differentiable op a gradient rule."""
import pytest

from nr_core.optable import OPS
from nr_core.plugins import REGISTRY
from nr_core.testing import cases


@pytest.fixture(scope="module", autouse=True)
def _discovered():
    REGISTRY.ensure()  # plugins add ops (and samples) at discovery


def test_every_op_has_samples():
    missing = sorted(n for n in OPS if not cases.has_samples(n))
    assert not missing, f"ops of the op table without sample inputs in the kit: {missing}"


def test_every_differentiable_op_has_a_gradient_rule():
    autograd = pytest.importorskip("nr_autograd")
    missing = autograd.check_coverage()  # its rules plus those plugins registered with their ops
    assert not missing, f"differentiable ops without a gradient rule: {missing}"
