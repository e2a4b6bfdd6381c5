"""Optimizer base: state-dict layout and exact resumption, param groups, zero_grad, device placement of state."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_optim as optim
from _optim_problems import ALL, PROBLEMS, nr_params, set_nr_grads


def _run(opt, params, prob, steps):
    out = []
    for _ in range(steps):
        set_nr_grads(prob, params)
        opt.step()
        out.append(np.concatenate([p.numpy().ravel() for p in params]))
    return out


@pytest.mark.parametrize("name, kwargs", ALL, ids=[a for a, _ in ALL])
def test_save_restore_resumes_the_same_trajectory(name, kwargs):
    prob = PROBLEMS["linear"]
    params = nr_params(prob)
    opt = getattr(optim, name)(params, **kwargs)
    _run(opt, params, prob, 20)
    saved_values = [p.numpy() for p in params]
    sd = opt.state_dict()
    continued = _run(opt, params, prob, 30)

    restored = [nr.asarray(v, dtype=nr.float64) for v in saved_values]
    opt2 = getattr(optim, name)(restored, lr=123.0)  # options come back from the state dict too
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == kwargs.get("lr", opt.defaults["lr"])
    resumed = _run(opt2, restored, prob, 30)
    for i, (a, b) in enumerate(zip(continued, resumed)):
        np.testing.assert_array_equal(a, b, err_msg=f"step {21 + i}")


def test_lbfgs_save_restore_resumes():
    prob = PROBLEMS["rosenbrock"]

    def closure_for(params):
        return lambda: set_nr_grads(prob, params)

    params = nr_params(prob)
    opt = optim.LBFGS(params, max_iter=3, line_search_fn="strong_wolfe")
    opt.step(closure_for(params))
    saved, sd = [p.numpy() for p in params], opt.state_dict()
    for _ in range(3):
        opt.step(closure_for(params))
    restored = [nr.asarray(v, dtype=nr.float64) for v in saved]
    opt2 = optim.LBFGS(restored, max_iter=3, line_search_fn="strong_wolfe")
    opt2.load_state_dict(sd)
    for _ in range(3):
        opt2.step(closure_for(restored))
    np.testing.assert_array_equal(restored[0].numpy(), params[0].numpy())


def test_state_dict_layout_is_pytorchs():
    prob = PROBLEMS["linear"]
    W, b = nr_params(prob)
    opt = optim.Adam([{"params": [W]}, {"params": [b], "lr": 0.5}], lr=0.1)
    set_nr_grads(prob, [W, b])
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["lr"] == 0.1
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 1}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and sd["state"][0]["step"] == 1.0
    # a snapshot: later steps leave it alone
    before = sd["state"][0]["exp_avg"].numpy()
    set_nr_grads(prob, [W, b])
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), before)


def test_load_state_dict_checks_group_shapes():
    p1, p2 = nr.ones((2,), dtype=nr.float64), nr.ones((3,), dtype=nr.float64)
    sd = optim.SGD([p1, p2], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": [p1]}, {"params": [p2]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([p1], lr=0.1).load_state_dict(sd)


def test_add_param_group_uses_defaults_and_updates_it():
    a, b = nr.ones((2,), dtype=nr.float64), nr.ones((2,), dtype=nr.float64)
    opt = optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[1]["lr"] == 0.01
    a.grad = nr.ones((2,), dtype=nr.float64)
    b.grad = nr.ones((2,), dtype=nr.float64)
    opt.step()
    np.testing.assert_allclose(a.numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.numpy(), [0.99, 0.99])


def test_params_without_grad_are_skipped():
    a, b = nr.ones((2,), dtype=nr.float64), nr.ones((2,), dtype=nr.float64)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = nr.asarray([1.0, -1.0], dtype=nr.float64)
    opt.step()
    np.testing.assert_allclose(a.numpy(), [0.9, 1.1])
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
    assert b not in opt.state


def test_zero_grad():
    a = nr.ones((2,), dtype=nr.float64)
    opt = optim.SGD([a], lr=0.1)
    a.grad = nr.ones((2,), dtype=nr.float64)
    g = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is g
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert a.grad is None


def test_updates_are_in_place_and_bump_the_version():
    a = nr.ones((2,), dtype=nr.float64)
    view = a[...]
    opt = optim.SGD([a], lr=0.5)
    a.grad = nr.ones((2,), dtype=nr.float64)
    opt.step()
    np.testing.assert_array_equal(view.numpy(), [0.5, 0.5])
    assert a._version is not None and a._version[0] >= 1


@pytest.mark.parametrize("name, kwargs", ALL, ids=[a for a, _ in ALL])
def test_state_lives_on_the_parameters_device(name, kwargs):
    prob = PROBLEMS["linear"]
    params = nr_params(prob, device="cpu:1")  # the CPU backend's second (fake) device
    opt = getattr(optim, name)(params, **kwargs)
    _run(opt, params, prob, 3)
    for p in params:
        assert p.device == params[0].device and str(p.device) == "cpu:1"
        for value in opt.state[p].values():
            if isinstance(value, nr.Tensor):
                assert value.device == p.device


def test_float32_parameters_keep_their_dtype():
    prob = PROBLEMS["linear"]
    params = nr_params(prob, dtype=nr.float32)
    opt = optim.Adam(params, lr=1e-2, weight_decay=0.1)
    _run(opt, params, prob, 3)
    assert all(p.dtype == nr.float32 for p in params)
    assert all(v.dtype == nr.float32 for p in params for v in opt.state[p].values() if isinstance(v, nr.Tensor))
