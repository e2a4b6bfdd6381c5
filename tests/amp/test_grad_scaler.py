"""GradScaler against torch.amp.GradScaler on one sequence of steps with injected inf/NaN gradients: the same scale
after every update, the same skipped steps, the same weights; its errors; clipping refuses scaled gradients."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
import nr_optim as optim

torch = pytest.importorskip("torch")

STEPS = 24
INJECT = {3: math.inf, 4: -math.inf, 11: math.nan, 12: math.inf, 20: math.inf}  # step -> value put in a gradient
KW = dict(init_scale=2.0 ** 10, growth_factor=2.0, backoff_factor=0.5, growth_interval=3)


def _data():
    rng = np.random.default_rng(1)
    return (rng.normal(size=(16, 5)).astype(np.float32), rng.normal(size=(16, 2)).astype(np.float32),
            rng.normal(size=(2, 5)).astype(np.float32) * 0.3, np.zeros(2, np.float32))


def _run_nr(kw):
    x, y, w, b = _data()
    model = nn.Linear(5, 2)
    model.load_state_dict({"weight": nr.asarray(w), "bias": nr.asarray(b)})
    opt = optim.SGD(model.parameters(), lr=0.05)
    scaler = nr.amp.GradScaler(**kw)
    scales, stepped = [], []
    for i in range(STEPS):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(nr.asarray(x)), nr.asarray(y))
        scaler.scale(loss).backward()
        if i in INJECT:
            model.weight.grad[0, 1] = INJECT[i]
        stepped.append(scaler.step(opt))
        scaler.update()
        scales.append(scaler.get_scale())
    return scales, stepped, model.weight.detach().numpy()


def _run_torch(kw):
    x, y, w, b = _data()
    model = torch.nn.Linear(5, 2)
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(w))
        model.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    scaler = torch.amp.GradScaler("cpu", **kw)
    scales, stepped = [], []
    for i in range(STEPS):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
        scaler.scale(loss).backward()
        if i in INJECT:
            model.weight.grad[0, 1] = INJECT[i]
        before = model.weight.detach().clone()
        scaler.step(opt)
        stepped.append(not torch.equal(before, model.weight.detach()))
        scaler.update()
        scales.append(scaler.get_scale())
    return scales, stepped, model.weight.detach().numpy()


@pytest.mark.parametrize("kw", [KW, dict(KW, init_scale=3.0, growth_factor=1.5, backoff_factor=0.25,
                                         growth_interval=2)], ids=["powers-of-two", "odd-factors"])
def test_scale_trajectory_and_skipped_steps_equal_torch(kw):
    scales, stepped, w = _run_nr(kw)
    t_scales, t_stepped, t_w = _run_torch(kw)
    assert scales == t_scales
    assert stepped == t_stepped
    assert sum(stepped) == STEPS - len(INJECT)
    np.testing.assert_allclose(w, t_w, rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_and_keys_as_torch():
    scaler = nr.amp.GradScaler(**KW)
    t = torch.amp.GradScaler("cpu", **KW)
    t.scale(torch.ones(()))  # torch fills its state lazily
    assert set(scaler.state_dict()) == set(t.state_dict())
    other = nr.amp.GradScaler()
    other.load_state_dict(dict(scaler.state_dict(), scale=8.0, _growth_tracker=2))
    assert other.get_scale() == 8.0 and other.state_dict()["_growth_tracker"] == 2
    with pytest.raises(RuntimeError, match="empty"):
        other.load_state_dict({})


def _step_setup():
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    scaler = nr.amp.GradScaler(init_scale=4.0)
    scaler.scale(model(nr.ones((2, 3))).sum()).backward()
    return model, opt, scaler


def test_misuse_is_refused():
    model, opt, scaler = _step_setup()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="already called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="closure"):
        scaler.step(opt, closure=lambda: None)
    scaler.update()
    with pytest.raises(RuntimeError, match="no inf checks"):
        scaler.update()
    with pytest.raises(ValueError, match="growth_factor"):
        nr.amp.GradScaler(growth_factor=0.5)
    with pytest.raises(TypeError, match="floating"):
        scaler.scale(nr.asarray([1, 2]))


def test_float16_gradients_are_refused_like_torch():
    model = nn.Linear(3, 1).half()
    opt = optim.SGD(model.parameters(), lr=0.1)
    scaler = nr.amp.GradScaler()
    scaler.scale(model(nr.ones((2, 3), dtype=nr.float16)).sum()).backward()
    with pytest.raises(ValueError, match="float16 gradient"):
        scaler.unscale_(opt)


def test_a_float16_loss_is_scaled_in_float32_without_overflow():
    scaler = nr.amp.GradScaler()  # 65536 * 2.0 overflows float16 (max 65504)
    out = scaler.scale(nr.asarray(2.0, dtype=nr.float16))
    assert out.dtype is nr.float32 and float(out) == 131072.0


def test_clip_grad_norm_refuses_scaled_gradients_then_clips_unscaled_ones():
    model, opt, scaler = _step_setup()
    with pytest.raises(RuntimeError, match="unscale_"):
        nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    with pytest.raises(RuntimeError, match="unscale_"):
        nn.utils.clip_grad_value_(model.parameters(), 0.1)
    raw = [p.grad.numpy() / 4.0 for p in model.parameters()]
    scaler.unscale_(opt)
    total = nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    want = math.sqrt(sum(float((g ** 2).sum()) for g in raw))
    assert float(total) == pytest.approx(want, rel=1e-5)
    assert scaler.step(opt)
    scaler.update()
    nn.utils.clip_grad_norm_(model.parameters(), 0.1)  # after update() nothing is scaled any more


def test_a_skipped_step_raises_no_scheduler_warning():
    model, opt, scaler = _step_setup()
    sched = optim.lr_scheduler.StepLR(opt, step_size=1)
    model.weight.grad[0, 0] = math.inf
    assert scaler.step(opt) is False
    scaler.update()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
    assert scaler.get_scale() == 2.0


def test_disabled_scaler_is_transparent():
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    scaler = nr.amp.GradScaler(enabled=False)
    loss = model(nr.ones((2, 3))).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    before = model.weight.detach().numpy()
    assert scaler.step(opt) is True
    scaler.update()
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    assert not np.array_equal(before, model.weight.detach().numpy())
