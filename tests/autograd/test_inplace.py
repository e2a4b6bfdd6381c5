"""In-place updates under autograd: setitem gradients, the version counter check, leaf protection."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_autograd as ag


def _x(values):
    return nr.asarray(np.array(values, dtype=np.float64), requires_grad=True)


def test_setitem_routes_gradients_to_value_and_kept_part():
    x, v = _x([1.0, 2.0, 3.0]), _x([10.0])
    y = x * 2.0
    y[1] = v[0] * 3.0
    (y * nr.asarray(np.array([1.0, 2.0, 3.0]))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 6.0])
    np.testing.assert_allclose(v.grad.numpy(), [6.0])


def test_setitem_into_a_plain_buffer_makes_it_part_of_the_graph():
    v = _x([1.0, 2.0])
    buf = nr.zeros((4,), dtype=nr.float64)
    buf[nr.asarray([0, 3])] = v
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * buf).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 4.0])


def test_inplace_add_records():
    x = _x([1.0, 2.0])
    y = x * 1.0
    y += x * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])


def test_modifying_a_saved_input_is_reported():
    x = _x([1.0, 2.0])
    h = x * 1.0
    y = (h * h).sum()  # multiply saved h
    with ag.no_grad():
        h[0] = 100.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*version 1, expected version 0"):
        y.backward()


def test_modifying_a_saved_output_is_reported():
    x = _x([1.0, 2.0])
    y = nr.exp(x)  # exp saves its output
    z = y.sum()
    y[0] = 0.0  # y is not a leaf: allowed, recorded, and it bumps the version exp saved
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_modifying_through_a_view_is_reported():
    x = _x([1.0, 2.0, 3.0])
    h = x * 1.0
    y = (h * h).sum()
    view = h[1:]
    with ag.no_grad():
        view[0] = 7.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_leaf_that_requires_grad_cannot_be_modified_in_place():
    x = _x([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf"):
        x[0] = 3.0
    with ag.no_grad():
        x[0] = 3.0  # the optimizer's way
    np.testing.assert_allclose(x.detach().numpy(), [3.0, 2.0])


def test_unsaved_input_may_be_modified():
    x = _x([1.0, 2.0])
    h = x * 1.0
    y = (h + 1.0).sum()  # add saves nothing
    with ag.no_grad():
        h[0] = 5.0
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_write_into_a_view_of_a_graph_array_is_refused_not_silently_wrong():
    import nr_core as nr
    x = nr.asarray([1.0, 2.0, 3.0], requires_grad=True)
    val = nr.asarray([5.0], requires_grad=True)
    h = x * 1.0
    with pytest.raises(RuntimeError, match="view .*getitem.*requires grad"):
        h[1:][0] = val[0] * 1.0
    h = x * 1.0
    h[1] = val[0] * 1.0  # the same write on the base array is tracked
    (h * 2.0).sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2.0] and val.grad.tolist() == [2.0]
