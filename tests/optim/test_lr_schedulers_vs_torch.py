"""Every scheduler: the lr (and cycled momentum) of every group over 100 steps equals torch's; state dicts resume."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nr_core as nr
import nr_optim as optim

torch = pytest.importorskip("torch")


def _multi_steps(S, o):
    # two schedulers on one optimizer, stepped together: PyTorch's chaining through the chainable form
    return [S.ExponentialLR(o, gamma=0.97), S.MultiStepLR(o, milestones=[15, 40], gamma=0.5)]


SCHEDULERS = {
    "StepLR": ("SGD", lambda S, o: S.StepLR(o, step_size=7, gamma=0.5)),
    "MultiStepLR": ("SGD", lambda S, o: S.MultiStepLR(o, milestones=[10, 30, 30, 80], gamma=0.3)),
    "ExponentialLR": ("SGD", lambda S, o: S.ExponentialLR(o, gamma=0.97)),
    "CosineAnnealingLR": ("SGD", lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=1e-3)),
    "CosineAnnealingWarmRestarts": ("SGD", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2,
                                                                                      eta_min=1e-4)),
    "CyclicLR-triangular2": ("SGD", lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=7,
                                                            step_size_down=5, mode="triangular2")),
    "CyclicLR-exp_range-adam": ("Adam", lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                                step_size_up=9, mode="exp_range", gamma=0.99)),
    "CyclicLR-scale_fn": ("SGD", lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                         scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations",
                                                         cycle_momentum=False)),
    "OneCycleLR": ("SGD", lambda S, o: S.OneCycleLR(o, max_lr=[0.1, 0.3], total_steps=100)),
    "OneCycleLR-three_phase-linear-adam": ("Adam", lambda S, o: S.OneCycleLR(o, max_lr=0.2, epochs=10,
                                                                             steps_per_epoch=12, pct_start=0.25,
                                                                             three_phase=True,
                                                                             anneal_strategy="linear")),
    "LinearLR": ("SGD", lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=40)),
    "LambdaLR": ("SGD", lambda S, o: S.LambdaLR(o, lr_lambda=[lambda e: 0.95 ** e, lambda e: 1 / (1 + e)])),
    "MultiplicativeLR": ("SGD", lambda S, o: S.MultiplicativeLR(o, lr_lambda=lambda e: 0.99 if e % 3 else 0.9)),
    "ConstantLR": ("SGD", lambda S, o: S.ConstantLR(o, factor=0.4, total_iters=12)),
    "PolynomialLR": ("SGD", lambda S, o: S.PolynomialLR(o, total_iters=60, power=2.0)),
    "SequentialLR": ("SGD", lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=20),
                                                            S.ExponentialLR(o, gamma=0.9),
                                                            S.CosineAnnealingLR(o, T_max=50)], milestones=[20, 45])),
    "ChainedScheduler": ("SGD", lambda S, o: S.ChainedScheduler([S.ExponentialLR(o, gamma=0.98),
                                                                 S.StepLR(o, step_size=10, gamma=0.5)])),
    "chaining-by-hand": ("SGD", _multi_steps),
}


def _optimizers(kind):
    nr_ps = [nr.ones((2,), dtype=nr.float64), nr.ones((3,), dtype=nr.float64)]
    t_ps = [torch.ones(2, dtype=torch.float64, requires_grad=True), torch.ones(3, dtype=torch.float64,
                                                                               requires_grad=True)]
    extra = dict(momentum=0.9) if kind == "SGD" else {}
    nr_opt = getattr(optim, kind)([{"params": nr_ps[:1]}, {"params": nr_ps[1:], "lr": 0.05}], lr=0.1, **extra)
    t_opt = getattr(torch.optim, kind)([{"params": t_ps[:1]}, {"params": t_ps[1:], "lr": 0.05}], lr=0.1, **extra)
    return nr_opt, t_opt


def _snapshot(opt, scheds):
    out = []
    for s in scheds:
        out += list(s.get_last_lr())
    for g in opt.param_groups:
        out.append(g["lr"])
        out.append(g["momentum"] if "momentum" in g else g["betas"][0])
    return np.array(out, dtype=np.float64)


def _as_list(x):
    return x if isinstance(x, list) else [x]


def _step(opt, scheds):
    opt.step()
    for s in scheds:
        s.step()


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_matches_torch(name):
    kind, make = SCHEDULERS[name]
    nr_opt, t_opt = _optimizers(kind)
    ours, theirs = _as_list(make(optim.lr_scheduler, nr_opt)), _as_list(make(torch.optim.lr_scheduler, t_opt))
    seq_nr, seq_t = [_snapshot(nr_opt, ours)], [_snapshot(t_opt, theirs)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(100):
            _step(nr_opt, ours)
            _step(t_opt, theirs)
            seq_nr.append(_snapshot(nr_opt, ours))
            seq_t.append(_snapshot(t_opt, theirs))
    np.testing.assert_allclose(np.array(seq_nr), np.array(seq_t), rtol=1e-12, atol=0)
    assert len({tuple(s) for s in seq_nr}) > 1, "the schedule never changed"


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_resumes(name):
    kind, make = SCHEDULERS[name]
    nr_opt, _ = _optimizers(kind)
    scheds = _as_list(make(optim.lr_scheduler, nr_opt))
    for _ in range(40):
        _step(nr_opt, scheds)
    opt_sd, sched_sds = nr_opt.state_dict(), [s.state_dict() for s in scheds]
    expected = []
    for _ in range(60):
        _step(nr_opt, scheds)
        expected.append(_snapshot(nr_opt, scheds))

    opt2, _ = _optimizers(kind)
    scheds2 = _as_list(make(optim.lr_scheduler, opt2))
    opt2.load_state_dict(opt_sd)
    for s, sd in zip(scheds2, sched_sds):
        s.load_state_dict(sd)
    got = []
    for _ in range(60):
        _step(opt2, scheds2)
        got.append(_snapshot(opt2, scheds2))
    np.testing.assert_array_equal(np.array(got), np.array(expected))


METRICS = [1.0 / (1 + i) if i < 30 else 0.04 + 0.001 * math.sin(i) for i in range(100)]


@pytest.mark.parametrize("kwargs", [dict(patience=3), dict(mode="max", factor=0.5, patience=2, cooldown=3,
                                                           threshold=0.01, threshold_mode="abs", min_lr=[1e-3, 0.0]),
                                    dict(factor=0.3, patience=0, min_lr=1e-3, eps=1e-3)])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    nr_opt, t_opt = _optimizers("SGD")
    ours = optim.lr_scheduler.ReduceLROnPlateau(nr_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    sign = -1.0 if kwargs.get("mode") == "max" else 1.0
    seen = set()
    for i, m in enumerate(METRICS):
        metric = sign * m if i % 2 else nr.asarray(sign * m, dtype=nr.float64)  # numbers or 0-d arrays
        ours.step(metric)
        theirs.step(sign * m)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=0)
        assert [g["lr"] for g in nr_opt.param_groups] == pytest.approx([g["lr"] for g in t_opt.param_groups],
                                                                      rel=1e-12, abs=0)
        assert ours.num_bad_epochs == theirs.num_bad_epochs and ours.best == theirs.best
        seen.add(tuple(ours.get_last_lr()))
    assert len(seen) > 1


def test_reduce_lr_on_plateau_state_dict():
    nr_opt, _ = _optimizers("SGD")
    s = optim.lr_scheduler.ReduceLROnPlateau(nr_opt, patience=2)
    for m in METRICS[:40]:
        s.step(m)
    sd = s.state_dict()
    s2 = optim.lr_scheduler.ReduceLROnPlateau(_optimizers("SGD")[0], patience=50, mode="max")
    s2.load_state_dict(sd)
    assert (s2.best, s2.num_bad_epochs, s2.patience, s2.mode) == (s.best, s.num_bad_epochs, 2, "min")


def test_scheduler_errors():
    nr_opt, _ = _optimizers("SGD")
    S = optim.lr_scheduler
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), step_size=3)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(nr_opt, factor=1.5)
    with pytest.raises(ValueError, match="total_steps OR"):
        S.OneCycleLR(nr_opt, max_lr=0.1)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        S.OneCycleLR(nr_opt, max_lr=[0.1], total_steps=10)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        S.CosineAnnealingWarmRestarts(nr_opt, T_0=0)
    with pytest.raises(ValueError, match="one milestone fewer"):
        S.SequentialLR(nr_opt, [S.ExponentialLR(nr_opt, 0.9)], milestones=[3])
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_optimizers("SGD")[0], step_size=3, last_epoch=5)
    with pytest.raises(ValueError, match="momentum or beta1"):
        S.CyclicLR(optim.Adagrad([nr.ones((2,))]), base_lr=0.01, max_lr=0.1)
    one_cycle = S.OneCycleLR(_optimizers("SGD")[0], max_lr=0.1, total_steps=3)
    for _ in range(3):
        one_cycle.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        one_cycle.step()
