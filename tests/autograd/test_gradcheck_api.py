"""gradcheck and gradgradcheck themselves: they pass correct gradients and catch wrong ones."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_autograd as ag


def _x(values=(0.5, -1.0, 2.0)):
    return nr.asarray(np.array(values), requires_grad=True)


class WrongSlope(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2 * g * x


class FirstOrderOnly(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x.detach()  # right value, but hides its dependence on x from a second derivative


def test_gradcheck_passes_a_correct_gradient():
    assert ag.gradcheck(lambda x: nr.sin(x) * x, (_x(),))


def test_gradcheck_reports_a_wrong_gradient():
    with pytest.raises(ag.GradcheckError, match="Jacobian mismatch for output 0 element 0"):
        ag.gradcheck(WrongSlope.apply, (_x(),))
    assert ag.gradcheck(WrongSlope.apply, (_x(),), raise_exception=False) is False


def test_gradgradcheck_catches_a_missing_second_derivative():
    assert ag.gradcheck(FirstOrderOnly.apply, (_x(),))
    with pytest.raises(ag.GradcheckError):
        ag.gradgradcheck(FirstOrderOnly.apply, (_x(),))


def test_gradcheck_complex_convention_catches_a_missing_conjugate():
    class NoConj(ag.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return g * 2 * z  # PyTorch's convention needs g * conj(2 z)

    z = nr.asarray(np.array([1 + 2j, -0.5 + 0.3j]), requires_grad=True)
    assert ag.gradcheck(lambda z: z * z, (z,))
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(NoConj.apply, (z,))


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        ag.gradcheck(nr.sin, (nr.asarray([1.0]),))
