"""Memory: saved arrays are released by backward, the graph holds no reference cycles, a training loop keeps
RSS flat."""
from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest

import nr_core as nr
import nr_autograd as ag


@pytest.fixture
def no_gc():
    # with the cycle collector off, only reference counting frees objects: a cycle would keep them alive
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def _x():
    return nr.asarray(np.array([1.0, 2.0, 3.0]), requires_grad=True)


def test_backward_releases_saved_intermediates(no_gc):
    x = _x()
    h = x * 2.0
    ref = weakref.ref(h)
    y = (h * h).sum()  # multiply saves h
    del h
    assert ref() is not None
    y.backward()
    assert ref() is None


def test_retain_graph_keeps_them_until_the_last_backward(no_gc):
    x = _x()
    h = x * 2.0
    ref = weakref.ref(h)
    y = (h * h).sum()
    del h
    y.backward(retain_graph=True)
    assert ref() is not None
    y.backward()
    assert ref() is None


@pytest.mark.parametrize("build", [
    lambda x: nr.exp(x),                                   # saves its output
    lambda x: nr.sqrt(nr.exp(x) * x).sum(),
    lambda x: nr.linalg.eigh(nr.reshape(x, (1, 3)).mT @ nr.reshape(x, (1, 3)))[1],  # multi-output, saves outputs
    lambda x: nr.max(x * 2.0),
])
def test_dropping_an_output_frees_its_graph_without_the_cycle_collector(no_gc, build):
    x = _x()
    y = build(x)
    node_ref, out_ref = weakref.ref(y.grad_fn), weakref.ref(y)
    del y
    assert out_ref() is None and node_ref() is None


def test_function_saving_its_output_makes_no_cycle(no_gc):
    class Exp(ag.Function):
        @staticmethod
        def forward(ctx, x):
            y = nr.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[0]

    y = Exp.apply(_x())
    refs = weakref.ref(y), weakref.ref(y.grad_fn)
    del y
    assert all(r() is None for r in refs)


def test_training_iterations_leave_no_garbage(no_gc):
    from mlp_loop import make_mlp, step
    params, x, y = make_mlp()
    for _ in range(5):
        step(params, x, y)
    assert gc.collect() == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_short_training_loop_keeps_rss_flat():
    from mlp_loop import run
    marks = run(1500, checkpoints=(300, 1500))
    assert marks[1500] - marks[300] < 8.0, marks


@pytest.fixture
def copies(monkeypatch):
    """Count the CPU backend's array copies (astype kernel calls)."""
    be = nr.asarray([0.0])._backend
    calls = []
    kern = be.kernels["astype"]

    def counting(x, *a, **k):
        calls.append(x.shape)
        return kern(x, *a, **k)
    monkeypatch.setitem(be.kernels, "astype", counting)
    return calls


def test_a_leafs_first_gradient_is_taken_over_not_copied(copies):
    # PyTorch's AccumulateGrad steals a gradient nothing else holds; so must the engine, or every step of a
    # training loop copies each parameter's gradient once
    w = nr.asarray(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x = nr.asarray(np.ones((4, 2)))
    (x @ w).sum().backward()
    assert copies == []
    np.testing.assert_array_equal(np.asarray(w.grad), np.full((2, 3), 4.0))


def test_a_gradient_the_caller_holds_is_copied(copies):
    w = nr.asarray(np.zeros(3), requires_grad=True)
    g = nr.asarray(np.array([1.0, 2.0, 3.0]))
    (w * 1.0).backward(g)          # the multiply's rule may return g itself: the caller still holds it
    w2 = nr.asarray(np.zeros(3), requires_grad=True)
    w2.backward(g)                 # the seed reaches the leaf directly
    g += 10.0
    np.testing.assert_array_equal(np.asarray(w.grad), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(w2.grad), [1.0, 2.0, 3.0])
