"""autocast's mechanics: the policy table and its overrides, regions that nest, switch off, decorate, stay in their
thread and device kind, the cast cache (a weight cast once per region, re-cast after an in-place update), no_grad,
float64 left alone, gradients back in float32, and nothing left behind once the region is closed."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
from nr_core import dispatch, optable


def _x(*shape):
    return nr.asarray(np.random.default_rng(0).normal(size=shape).astype(np.float32))


def test_policy_lookup_override_and_table():
    assert nr.amp.policy("matmul") == "low"
    assert nr.amp.policy("exp") == "fp32" and nr.amp.policy("concat") == "promote"
    assert nr.amp.policy("add") == "unchanged"
    assert nr.amp.policy("conv") == "low" and nr.amp.policy("softmax") == "fp32"  # declared by nr_nn's ops
    assert nr.amp.policy("linear") == "low" and nr.amp.policy("cross_entropy") == "fp32"  # by its functions
    with pytest.raises(ValueError, match="neither an op"):
        nr.amp.policy("no_such_op")
    with pytest.raises(ValueError, match="policy 'fast'"):
        nr.amp.set_policy("matmul", "fast")
    a = _x(2, 3)
    assert nr.amp.set_policy("matmul", "unchanged") == "low"
    try:
        with nr.autocast("cpu"):
            assert (a @ a.mT).dtype is nr.float32
        nr.amp.set_policy("add", "low")
        with nr.autocast("cpu"):
            assert (a + a).dtype is nr.bfloat16
    finally:
        nr.amp.set_policy("matmul", None)
        nr.amp.set_policy("add", None)
    assert nr.amp.policy("matmul") == "low" and nr.amp.policy("add") == "unchanged"
    table = nr.amp.table()
    assert "low (" in table and "matmul" in table and "linear()" in table and "fp32 (" in table
    assert nr.amp.policies()["log_softmax"] == "fp32" and "add" not in nr.amp.policies()


def test_register_refuses_an_unknown_policy():
    with pytest.raises(ValueError, match="autocast policy 'half'"):
        optable.register(optable.OpDef("amp_test_op", "elementwise", 1, "any"), amp="half")
    assert "amp_test_op" not in optable.OPS


def test_nesting_enabled_false_and_dtype_choice():
    a = _x(2, 2)
    with nr.autocast("cpu"):
        assert (a @ a).dtype is nr.bfloat16 and nr.amp.get_autocast_dtype("cpu") is nr.bfloat16
        with nr.autocast("cpu", enabled=False):
            assert (a @ a).dtype is nr.float32 and not nr.amp.is_autocast_enabled("cpu")
            with nr.autocast("cpu", dtype=nr.float16):
                assert (a @ a).dtype is nr.float16
            assert (a @ a).dtype is nr.float32
        assert (a @ a).dtype is nr.bfloat16
    assert (a @ a).dtype is nr.float32 and not nr.amp.is_autocast_enabled("cpu")
    assert dispatch._intercept is None  # closed regions leave the dispatcher as it was


def test_decorator_and_bad_arguments():
    @nr.autocast("cpu", dtype=nr.float16)
    def f(a):
        return a @ a

    assert f(_x(2, 2)).dtype is nr.float16 and f(_x(2, 2)).dtype is nr.float16
    with pytest.raises(TypeError, match="nr.float16 or nr.bfloat16"):
        nr.autocast("cpu", dtype=nr.float32)
    with pytest.raises(ValueError, match="device kind"):
        nr.autocast("cpu:0")
    with pytest.raises(ValueError, match="no available backend serves device type 'tpu'"):
        with nr.autocast("tpu"):
            pass


def test_regions_are_thread_local():
    a = _x(3, 3)
    seen, entered, done = {}, threading.Event(), threading.Event()

    def other():
        entered.wait(10)
        seen["other"] = (a @ a).dtype  # while the main thread is inside a region
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with nr.autocast("cpu"):
        entered.set()
        done.wait(10)
        seen["main"] = (a @ a).dtype
    t.join(10)
    assert seen == {"other": nr.float32, "main": nr.bfloat16}


def test_only_arrays_of_the_device_kind_are_cast_and_float64_stays():
    a = _x(2, 2)
    e = a.to_device("example")
    d = a.astype(nr.float64)
    with nr.autocast("cpu"):
        assert (e @ e).dtype is nr.float32
        assert (d @ d).dtype is nr.float64 and nr.exp(d).dtype is nr.float64
        assert nr.exp(a.astype(nr.bfloat16)).dtype is nr.float32
        assert nr.argmax(a).dtype is nr.int64


def _count_weight_casts(weight, fn):
    casts = []

    def spy(op, inputs, params, proceed):
        if op.name == "astype" and inputs[0] is weight:
            casts.append(params["dtype"])
        return proceed(inputs, params)

    with dispatch.intercepting(spy):
        fn()
    return casts


def test_a_weight_is_cast_once_per_region_and_again_after_an_update():
    lin = nn.Linear(4, 3)
    x = _x(2, 4)

    def two_passes():
        with nr.autocast("cpu"):
            lin(x)
            lin(x)
            with nr.no_grad():
                lin.weight.copy_(lin.weight * 1.0)  # an in-place update bumps the version: the cache re-casts
            lin(x)

    assert _count_weight_casts(lin.weight, two_passes) == [nr.bfloat16, nr.bfloat16]
    assert _count_weight_casts(lin.weight, lambda: [lin(x) for _ in range(2)]) == []  # no region, no cast


def test_no_grad_casts_are_not_reused_with_grad_on():
    lin = nn.Linear(4, 1)
    x = _x(2, 4)
    with nr.autocast("cpu"):
        with nr.no_grad():
            assert lin(x).grad_fn is None
        out = lin(x)
        assert out.grad_fn is not None
    out.sum().backward()
    assert lin.weight.grad is not None and lin.weight.grad.dtype is nr.float32


def test_gradients_match_a_float32_model_within_bfloat16_precision():
    lin = nn.Linear(8, 4)
    x = _x(16, 8)
    with nr.autocast("cpu"):
        y = lin(x)
        loss = nn.functional.mse_loss(y, nr.zeros((16, 4)))
    assert y.dtype is nr.bfloat16 and loss.dtype is nr.float32
    loss.backward()
    g16 = lin.weight.grad.numpy()
    lin.zero_grad()
    nn.functional.mse_loss(lin(x), nr.zeros((16, 4))).backward()
    np.testing.assert_allclose(g16, lin.weight.grad.numpy(), rtol=5e-2, atol=5e-3)


def test_backward_inside_a_region_keeps_the_forward_dtypes():
    w = _x(3, 3).requires_grad_()
    with nr.autocast("cpu"):
        (w @ w).sum().backward()
    assert w.grad.dtype is nr.float32
    np.testing.assert_allclose(w.grad.numpy(), (np.ones((3, 3)) @ w.detach().numpy().T
                                                + w.detach().numpy().T @ np.ones((3, 3))), rtol=2e-2, atol=2e-2)


def test_nr_amp_prints_the_table_with_plugins_policies():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "nr_core", "amp"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("low (") and "conv2d()" in out.stdout and "log_softmax" in out.stdout
