"""The kit covers the whole op table, whoever registered the op: every op has sample inputs, every
differentiable op a gradient rule, every non-primitive op a decomposition, and the backend under test a
kernel for every primitive."""
import pytest

from nr_core.optable import DECOMPOSITIONS, OPS, PRIMITIVES
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


def test_every_non_primitive_op_has_a_decomposition():
    missing = sorted(n for n, op in OPS.items() if not op.primitive and n not in DECOMPOSITIONS)
    assert not missing, f"non-primitive ops without a decomposition: {missing}"
    assert PRIMITIVES == {n for n, op in OPS.items() if op.primitive}


def test_the_backend_has_a_kernel_for_every_primitive(nr_backend):
    missing = sorted(PRIMITIVES - nr_backend.kernels.keys())
    assert not missing, f"backend {nr_backend.name!r} has no kernel for the primitive ops {missing}"
