"""The backward pass: accumulation, retain_graph, create_graph, grad(), inputs=, grad mode, leaf semantics."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_autograd as ag


def _x(values, **kw):
    return nr.asarray(np.array(values, dtype=np.float64), requires_grad=True, **kw)


def test_backward_fills_leaf_grad_and_accumulates():
    x = _x([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0, 9.0])
    assert x.is_leaf and x.grad_fn is None and x.grad.grad_fn is None


def test_grad_is_a_fresh_writable_array():
    x = _x([1.0, 2.0])
    x.sum().backward()  # the rule returns a broadcast view; .grad must still be writable on its own
    x.grad.zero_()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0])


def test_same_input_twice_and_diamond_graph():
    x = _x([1.5, -2.0])
    a = x * 2.0
    y = (a * a + a).sum()  # a feeds two ops; gradients must add up at a before flowing to x
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), (2 * 2 * 2 * np.array([1.5, -2.0]) + 2))


def test_non_leaf_attributes():
    x = _x([1.0])
    y = nr.exp(x)
    assert not y.is_leaf and y.requires_grad and type(y.grad_fn).__name__ == "ExpBackward"
    assert y.grad_fn.next_functions == (x,)
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad


def test_backward_twice_without_retain_graph_says_what_to_do():
    x = _x([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = _x([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_non_scalar_backward_needs_a_gradient():
    x = _x([1.0, 2.0])
    y = x * 2.0
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward()
    y.backward(nr.asarray(np.array([1.0, 10.0])))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_gradient_of_wrong_shape_is_rejected():
    x = _x([1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2.0).backward(nr.asarray(np.ones(3)))


def test_requires_grad_on_integer_dtype_raises():
    with pytest.raises(TypeError, match="int64"):
        nr.asarray([1, 2], requires_grad=True)


def test_backward_of_array_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        nr.asarray([1.0]).sum().backward()


def test_no_grad_and_set_grad_enabled_stop_recording():
    x = _x([1.0, 2.0])
    with ag.no_grad():
        y = x * 2.0
    assert y.grad_fn is None and not y.requires_grad

    @ag.no_grad()
    def f(t):
        return t * 2.0
    assert f(x).grad_fn is None
    with ag.set_grad_enabled(False):
        with ag.enable_grad():
            z = x * 2.0
    assert z.grad_fn is not None


def test_grad_returns_gradients_without_touching_dot_grad():
    x, w = _x([1.0, 2.0]), _x([3.0, 4.0])
    y = (x * w).sum()
    gx, gw = ag.grad(y, (x, w))
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_with_respect_to_an_intermediate():
    x = _x([1.0, 2.0])
    h = x * 3.0
    y = (h * h).sum()
    (gh,) = ag.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])


def test_grad_allow_unused():
    x, z = _x([1.0]), _x([2.0])
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ag.grad(y, (x, z), retain_graph=True)
    gx, gz = ag.grad(y, (x, z), allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_hessian_vector_product_with_create_graph():
    # f(x) = sum(x^3) -> grad 3x^2, Hessian diag(6x): H v = 6 x v
    x = _x([1.0, -2.0, 0.5])
    v = nr.asarray(np.array([1.0, 2.0, 3.0]))
    (g,) = ag.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad
    (hv,) = ag.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.numpy(), 6 * np.array([1.0, -2.0, 0.5]) * [1.0, 2.0, 3.0])


def test_backward_create_graph_then_differentiate_grad():
    x = _x([2.0])
    y = (nr.exp(x) * x).sum()
    y.backward(create_graph=True)
    g = x.grad  # (1 + x) e^x, with its own graph
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), (2 + 2.0) * np.exp(2.0))


def test_backward_inputs_limits_accumulation():
    x, w = _x([1.0, 2.0]), _x([3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])


def test_module_level_backward_with_several_outputs():
    x = _x([1.0, 2.0])
    ag.backward([(x * 2.0).sum(), (x * x).sum()])
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 6.0])


def test_mixed_dtypes_cast_back_to_the_leaf_dtype():
    x = nr.asarray(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    w = _x([3.0, 4.0])
    (x * w).sum().backward()  # x is promoted to float64 in the product; its grad stays float32
    assert x.grad.dtype == nr.float32 and w.grad.dtype == nr.float64
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_real_leaf_gets_real_part_of_complex_gradient():
    x = _x([1.0, 2.0])
    y = nr.abs(x * (1 + 2j)).sum()
    y.backward()
    assert x.grad.dtype == nr.float64
    np.testing.assert_allclose(x.grad.numpy(), [np.sqrt(5.0)] * 2)


def test_gradient_flows_across_devices():
    x = _x([1.0, 2.0])
    y = (x.to_device("cpu:1") * 3.0).sum()
    y.backward()
    assert x.grad.device == x.device
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_non_differentiable_op_output_does_not_require_grad():
    x = _x([1.0, -2.0])
    assert not (x > 0).requires_grad and not nr.argmax(x).requires_grad and not nr.floor(x).requires_grad


def test_max_ties_split_evenly():
    x = _x([1.0, 3.0, 3.0])
    nr.max(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 0.5])


def test_getitem_repeated_indices_scatter_add():
    x = _x([1.0, 2.0, 3.0])
    x[nr.asarray([0, 0, 2, 0])].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_prod_with_zeros():
    x = _x([2.0, 0.0, 3.0])
    nr.prod(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 6.0, 0.0])
    y = _x([0.0, 0.0, 3.0])
    nr.prod(y).backward()
    np.testing.assert_allclose(y.grad.numpy(), [0.0, 0.0, 0.0])
