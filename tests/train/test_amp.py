"""Trainer(amp=...): with nr_core's autocast and GradScaler it trains in float16 and counts skipped steps; with
stand-ins of the API contract's shape (recording their calls) the loop scales the loss, unscales before clipping,
steps through the scaler, and checkpoints the scaler's state."""
from __future__ import annotations

import contextlib
import types

import pytest
from nrtrain_helpers import loaders, mlp

import nr_core as nr
import nr_nn as nn
import nr_optim as optim
import nr_train
from nr_train import ModelCheckpoint, Trainer


def test_fp16_with_nr_cores_scaler_counts_the_skipped_steps(tmp_path):
    """With the real autocast and GradScaler: each skipped step halved the scale (six steps stay below the growth
    interval), and the Trainer counts exactly those."""
    trainer, model = fit(tmp_path, "fp16")
    scale = nr_train.load_checkpoint(tmp_path / "last.safetensors")["scaler"]["scale"]
    assert scale == 2.0 ** 16 * 0.5 ** trainer.skipped_steps
    assert trainer.global_step == 6 and all(bool(nr.all(nr.isfinite(p))) for p in model.parameters())


class Log:
    def __init__(self):
        self.calls: list[str] = []


def stand_ins(log: Log):
    """An autocast context and a GradScaler with the contract's methods, recording what the loop does."""

    @contextlib.contextmanager
    def autocast(device_type, dtype=None):
        log.calls.append(f"autocast({device_type}, {dtype})")
        yield

    class GradScaler:
        def __init__(self):
            self.scale_value = 4.0

        def scale(self, loss):
            log.calls.append("scale")
            return loss * self.scale_value

        def unscale_(self, opt):
            log.calls.append("unscale_")
            with nr.no_grad():
                for group in opt.param_groups:
                    for p in group["params"]:
                        p.grad = p.grad / self.scale_value

        def step(self, opt):
            log.calls.append("step")
            opt.step()
            return True

        def update(self):
            log.calls.append("update")
            self.scale_value *= 2

        def state_dict(self):
            return {"scale": self.scale_value}

        def load_state_dict(self, state):
            self.scale_value = state["scale"]

    return autocast, types.SimpleNamespace(GradScaler=GradScaler)


@pytest.fixture
def amp_log(monkeypatch):
    log = Log()
    autocast, amp = stand_ins(log)
    monkeypatch.setattr(nr, "autocast", autocast, raising=False)
    monkeypatch.setattr(nr, "amp", amp, raising=False)
    monkeypatch.setattr(nr, "float16", "float16-dtype", raising=False)
    monkeypatch.setattr(nr, "bfloat16", "bfloat16-dtype", raising=False)
    real_clip = nn.utils.clip_grad_norm_

    def clip(params, max_norm, *args, **kw):
        log.calls.append("clip")
        return real_clip(params, max_norm, *args, **kw)
    monkeypatch.setattr(nn.utils, "clip_grad_norm_", clip)
    return log


def fit(tmp_path, amp, grad_clip=None):
    nr.random.seed(0)
    train, val = loaders()
    model = mlp()
    trainer = Trainer(max_epochs=1, amp=amp, grad_clip=grad_clip, progress=False,
                      callbacks=[ModelCheckpoint(tmp_path, save_top_k=0, save_last=True)])
    trainer.fit(model, train, val, optimizer=optim.SGD(model.parameters(), lr=0.1), loss_fn=nn.CrossEntropyLoss())
    return trainer, model


def test_fp16_scales_unscales_before_clipping_and_saves_the_scaler(tmp_path, amp_log):
    trainer, _ = fit(tmp_path, "fp16", grad_clip=1.0)
    train_calls = [c for c in amp_log.calls if not c.startswith("autocast")]
    assert train_calls == ["scale", "unscale_", "clip", "step", "update"] * 6
    assert amp_log.calls.count("autocast(cpu, float16-dtype)") == 6 + 1  # each step, and the validation pass
    state = nr_train.load_checkpoint(tmp_path / "last.safetensors")
    assert state["scaler"] == {"scale": 4.0 * 2 ** 6}


def test_scaled_steps_equal_unscaled_ones(tmp_path, amp_log):
    """A power-of-two scale, unscaled before the step, gives the very parameters of a run without amp."""
    _, scaled = fit(tmp_path / "a", "fp16", grad_clip=1.0)
    _, plain = fit(tmp_path / "b", None, grad_clip=1.0)
    for (k, a), b in zip(scaled.state_dict().items(), plain.state_dict().values()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), k


def test_bf16_autocasts_without_a_scaler(tmp_path, amp_log):
    trainer, _ = fit(tmp_path, nr.bfloat16)
    assert "scale" not in amp_log.calls and amp_log.calls.count("autocast(cpu, bfloat16-dtype)") == 7
    assert nr_train.load_checkpoint(tmp_path / "last.safetensors")["scaler"] is None
