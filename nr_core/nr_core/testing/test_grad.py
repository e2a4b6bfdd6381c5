"""Gradient rules of every differentiable op, on the device under test, by finite differences (float64); on a
backend that declares finite differences unaffordable (a lazy one), against the CPU's checked gradients."""
import pytest

from nr_core.testing.checks import grad_call, grads_match_cpu

GRAD = True
KINDS = None


def test_gradcheck(sample, nr_device, nr_backend):
    autograd = pytest.importorskip("nr_autograd")
    if not nr_backend.capabilities.float64:
        pytest.skip(f"{nr_device} has no float64, which finite differences need")
    call = grad_call(sample, nr_device)
    if call is None:
        pytest.skip("no floating input")
    if not nr_backend.capabilities.finite_differences:
        grads_match_cpu(sample, nr_device)
        return
    assert autograd.gradcheck(*call)
