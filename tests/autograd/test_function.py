"""Custom ops through ``nr_autograd.Function``."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_autograd as ag


class Exp(ag.Function):
    @staticmethod
    def forward(ctx, x):
        y = nr.exp(x)
        ctx.save_for_backward(y)  # saving the output must not create a reference cycle
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class ScaleShift(ag.Function):
    """Two outputs, a non-array argument."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k, x + 1.0

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * ctx.k + g2, None


def _x():
    return nr.asarray(np.array([0.5, -1.0, 2.0]), requires_grad=True)


def test_single_output_function():
    x = _x()
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward" and y.grad_fn.next_functions == (x,)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0, 2.0]))
    assert ag.gradcheck(Exp.apply, (_x(),))


def test_function_second_derivative_through_saved_output():
    assert ag.gradgradcheck(Exp.apply, (_x(),))


def test_multi_output_function_and_unused_output():
    x = _x()
    a, b = ScaleShift.apply(x, 3.0)
    (a.sum() * 2.0).backward()  # b unused: its gradient is materialised as zeros for backward
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0, 6.0])
    assert ag.gradcheck(lambda t: ScaleShift.apply(t, 3.0), (_x(),))


def test_needs_input_grad_and_no_recording_without_grad():
    seen = {}

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen["needs"] = ctx.needs_input_grad
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, g

    out = Probe.apply(_x(), nr.asarray(np.ones(3)))
    assert seen["needs"] == (True, False) and out.requires_grad
    with ag.no_grad():
        assert Probe.apply(_x(), _x()).grad_fn is None


def test_backward_returning_too_many_gradients_is_an_error():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="returned 2 gradients but forward took 1"):
        Bad.apply(_x()).sum().backward()


def test_function_saved_tensor_modified_in_place_is_detected():
    x = _x()
    h = x * 1.0
    y = Exp.apply(h)
    with ag.no_grad():
        y[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()
