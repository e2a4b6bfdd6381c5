"""Gradient rules of every differentiable op, on the device under test, by finite differences (float64)."""
import pytest

from nr_core.testing.checks import grad_call

GRAD = True
KINDS = None


def test_gradcheck(sample, nr_device, nr_backend):
    autograd = pytest.importorskip("nr_autograd")
    if not nr_backend.capabilities.float64:
        pytest.skip(f"{nr_device} has no float64, which finite differences need")
    call = grad_call(sample, nr_device)
    if call is None:
        pytest.skip("no floating input")
    assert autograd.gradcheck(*call)
