"""Tensor hooks: called with the gradient, may replace it, removable."""
from __future__ import annotations

import numpy as np

import nr_core as nr


def _x():
    return nr.asarray(np.array([1.0, 2.0]), requires_grad=True)


def test_leaf_hook_sees_total_gradient_once_and_can_replace_it():
    x = _x()
    calls = []

    def hook(g):
        calls.append(g.numpy())
        return g * 10.0

    x.register_hook(hook)
    (x * 2.0 + x * 3.0).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [5.0, 5.0])
    np.testing.assert_allclose(x.grad.numpy(), [50.0, 50.0])


def test_non_leaf_hook_and_remove():
    x = _x()
    h = x * 3.0
    seen = []
    handle = h.register_hook(lambda g: seen.append(g.numpy()))
    (h * h).sum().backward(retain_graph=True)
    np.testing.assert_allclose(seen[0], 2 * 3.0 * np.array([1.0, 2.0]))
    handle.remove()
    (h * h).sum().backward()
    assert len(seen) == 1


def test_hook_on_array_without_grad_raises():
    import pytest
    with pytest.raises(RuntimeError, match="does not require grad"):
        nr.asarray([1.0]).register_hook(lambda g: g)
