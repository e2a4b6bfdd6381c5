"""``nr_autograd.queue_callback``: a function run once when the current backward pass ends (DDP's finalize)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import nr_autograd as autograd
import nr_core as nr


def _leaves():
    a = nr.asarray(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = nr.asarray(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    return a, b


def test_callback_runs_once_after_every_leaf_gradient_is_written():
    a, b = _leaves()
    seen = []

    def finish():
        seen.append((a.grad.numpy(), b.grad.numpy()))

    # queued from a hook, which fires before the gradient is accumulated; it runs after the whole pass
    a.register_hook(lambda g: autograd.queue_callback(finish))
    (a * b * b).sum().backward()
    assert len(seen) == 1
    ga, gb = seen[0]
    np.testing.assert_allclose(ga, [0.25, 1.0, 4.0])            # d/da a b^2 = b^2
    np.testing.assert_allclose(gb, [1.0, -4.0, 12.0])           # d/db a b^2 = 2 a b


def test_callbacks_run_in_order_and_may_queue_more():
    a, _ = _leaves()
    order = []

    def second():
        order.append("second")
        autograd.queue_callback(lambda: order.append("third"))

    def hook(g):
        autograd.queue_callback(lambda: order.append("first"))
        autograd.queue_callback(second)

    a.register_hook(hook)
    (a * 2.0).sum().backward()
    assert order == ["first", "second", "third"]
    (a * 2.0).sum().backward()          # queued per pass, not kept for the next one
    assert order == ["first", "second", "third"] * 2


def test_callbacks_run_with_grad_mode_restored():
    a, _ = _leaves()
    modes = []
    a.register_hook(lambda g: autograd.queue_callback(lambda: modes.append(nr.is_grad_enabled())))
    (a * a).sum().backward()
    assert modes == [True]


def test_outside_a_backward_pass_is_an_error():
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        autograd.queue_callback(lambda: None)
    with pytest.raises(TypeError, match="expected a callable"):
        autograd.queue_callback(3)


def test_a_failing_pass_drops_its_callbacks():
    a, _ = _leaves()
    ran = []

    def hook(g):
        autograd.queue_callback(lambda: ran.append(1))
        raise ValueError("hook failed")

    a.register_hook(hook)
    with pytest.raises(ValueError, match="hook failed"):
        (a * 3.0).sum().backward()
    assert ran == []
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        autograd.queue_callback(lambda: None)


def test_each_thread_has_its_own_pass():
    barrier = threading.Barrier(2, timeout=10)
    results, errors = {}, []

    def worker(k: int) -> None:
        try:
            x = nr.asarray(np.full(3, float(k + 1)), requires_grad=True)

            def hook(g):
                barrier.wait()  # both passes are running now
                autograd.queue_callback(lambda: results.setdefault(k, x.grad.numpy()))

            x.register_hook(hook)
            (x * x).sum().backward()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors
    np.testing.assert_allclose(results[0], [2.0, 2.0, 2.0])
    np.testing.assert_allclose(results[1], [4.0, 4.0, 4.0])
