"""Scheduler and optimizer arguments are checked at construction: ValueError/TypeError naming the class and the
argument. Where PyTorch 2.13 validates, it raises the same type; where it does not, the case shows the harm it
does instead (an error at some later step, a negative or NaN learning rate); valid edge values still give torch's
learning rates."""
from __future__ import annotations

import inspect
import math
import warnings

import pytest

import nr_core as nr
import nr_optim as optim

torch = pytest.importorskip("torch")

STEPS = 12

# (scheduler, kwargs, exception, message start, what torch does: "same" = raises that type at construction,
#  "raises X" = an unnamed X at construction, "fails later" = an exception at some step, "bad lr" = a negative
#  or NaN rate in some group, "accepts" = no visible harm in the first steps)
CASES = [
    ("StepLR", {"step_size": 0}, ValueError, "StepLR: step_size must be an int >= 1, got 0", "fails later"),
    ("StepLR", {"step_size": -2}, ValueError, "StepLR: step_size must be an int >= 1, got -2", "accepts"),
    ("StepLR", {"step_size": 2.5}, TypeError, "StepLR: step_size must be an int, got float 2.5", "accepts"),
    ("StepLR", {"step_size": 2, "gamma": -0.5}, ValueError, "StepLR: gamma must be a finite number > 0",
     "bad lr"),
    ("StepLR", {"step_size": 2, "gamma": math.nan}, ValueError, "StepLR: gamma must be a finite number > 0",
     "bad lr"),
    ("StepLR", {"step_size": 2, "last_epoch": -2}, ValueError, "StepLR: last_epoch must be an int >= -1",
     "raises KeyError"),
    ("MultiStepLR", {"milestones": [-1, 3]}, ValueError, "MultiStepLR: milestones[0] must be an int >= 0",
     "accepts"),
    ("MultiStepLR", {"milestones": [2.5]}, TypeError, "MultiStepLR: milestones[0] must be an int, got float",
     "accepts"),
    ("MultiStepLR", {"milestones": 5}, TypeError, "MultiStepLR: milestones must be an iterable of ints",
     "same"),
    ("MultiStepLR", {"milestones": [2], "gamma": -1.0}, ValueError, "MultiStepLR: gamma must be a finite",
     "bad lr"),
    ("ConstantLR", {"factor": 0.0}, ValueError, "ConstantLR: Constant multiplicative factor expected to be in "
     "(0, 1], got 0.0", "fails later"),
    ("ConstantLR", {"factor": 1.5}, ValueError, "ConstantLR: Constant multiplicative factor", "same"),
    ("ConstantLR", {"total_iters": 0}, ValueError, "ConstantLR: total_iters must be an int >= 1, got 0",
     "accepts"),
    ("LinearLR", {"total_iters": 0}, ValueError, "LinearLR: total_iters must be an int >= 1, got 0", "accepts"),
    ("LinearLR", {"start_factor": 0.0}, ValueError, "LinearLR: Starting multiplicative factor", "same"),
    ("LinearLR", {"end_factor": 1.5}, ValueError, "LinearLR: Ending multiplicative factor", "same"),
    ("ExponentialLR", {"gamma": -0.5}, ValueError, "ExponentialLR: gamma must be a finite number > 0, got -0.5",
     "bad lr"),
    ("ExponentialLR", {"gamma": 0.0}, ValueError, "ExponentialLR: gamma must be a finite number > 0, got 0.0",
     "accepts"),
    ("PolynomialLR", {"total_iters": 0}, ValueError, "PolynomialLR: total_iters must be an int >= 1", "accepts"),
    ("PolynomialLR", {"power": -1.0}, ValueError, "PolynomialLR: power must be a finite number >= 0, got -1.0",
     "fails later"),
    ("CosineAnnealingLR", {"T_max": 0}, ValueError, "CosineAnnealingLR: T_max must be a finite number > 0, got 0",
     "fails later"),
    ("CosineAnnealingLR", {"T_max": -3}, ValueError, "CosineAnnealingLR: T_max must be a finite number > 0",
     "accepts"),
    ("CosineAnnealingLR", {"T_max": 5, "eta_min": -1.0}, ValueError, "CosineAnnealingLR: eta_min must be a "
     "finite number >= 0", "bad lr"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, ValueError, "CosineAnnealingWarmRestarts: Expected positive "
     "integer T_0", "same"),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "eta_min": -1.0}, ValueError, "CosineAnnealingWarmRestarts: "
     "eta_min must be a finite number >= 0", "bad lr"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 0}, ValueError, "CyclicLR: step_size_up must "
     "be a finite number > 0, got 0", "raises ZeroDivisionError"),
    ("CyclicLR", {"base_lr": -0.01, "max_lr": 0.1}, ValueError, "CyclicLR: base_lr must be a finite number >= 0",
     "bad lr"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, -0.1], "step_size_up": 4}, ValueError,
     "CyclicLR: max_lr[1] must be a finite number >= 0", "bad lr"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "scale_fn": abs, "scale_mode": "bogus"}, ValueError,
     "CyclicLR: scale_mode must be 'cycle' or 'iterations', got 'bogus'", "accepts"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "mode": "bogus"}, ValueError, "CyclicLR: mode is invalid",
     "same"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "max_momentum": 1.5}, ValueError, "CyclicLR: max_momentum must "
     "be a finite number >= 0 and <= 1, got 1.5", "accepts"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "div_factor": 0.0}, ValueError, "OneCycleLR: div_factor "
     "must be a finite number > 0", "raises ZeroDivisionError"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "final_div_factor": 0.0}, ValueError, "OneCycleLR: "
     "final_div_factor must be a finite number > 0", "raises ZeroDivisionError"),
    ("OneCycleLR", {"max_lr": -0.1, "total_steps": 10}, ValueError, "OneCycleLR: max_lr must be a finite number "
     ">= 0", "bad lr"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.0}, ValueError, "OneCycleLR: pct_start=1.0 "
     "with total_steps=10 gives a phase of zero steps", "fails later"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, ValueError, "OneCycleLR: Expected positive integer "
     "total_steps", "same"),
    ("ReduceLROnPlateau", {"factor": 1.0}, ValueError, "ReduceLROnPlateau: Factor should be < 1.0.", "same"),
    ("ReduceLROnPlateau", {"factor": -0.5}, ValueError, "ReduceLROnPlateau: factor must be a finite number >= 0 "
     "and < 1, got -0.5", "accepts"),  # min_lr clamps what it does
    ("ReduceLROnPlateau", {"patience": -1}, ValueError, "ReduceLROnPlateau: patience must be an int >= 0",
     "accepts"),
    ("ReduceLROnPlateau", {"patience": 2.5}, TypeError, "ReduceLROnPlateau: patience must be an int, got float",
     "accepts"),
    ("ReduceLROnPlateau", {"cooldown": -1}, ValueError, "ReduceLROnPlateau: cooldown must be an int >= 0",
     "accepts"),
    ("ReduceLROnPlateau", {"min_lr": -1.0, "factor": 0.1, "patience": 0}, ValueError, "ReduceLROnPlateau: "
     "min_lr must be a finite number >= 0", "accepts"),
    ("ReduceLROnPlateau", {"threshold": -0.1}, ValueError, "ReduceLROnPlateau: threshold must be a finite number "
     ">= 0", "accepts"),
    ("ReduceLROnPlateau", {"eps": -1.0}, ValueError, "ReduceLROnPlateau: eps must be a finite number >= 0",
     "accepts"),
]


def _optimizers(groups: int = 1):
    t_params = [torch.zeros(2, requires_grad=True) for _ in range(groups)]
    n_params = [nr.zeros((2,), requires_grad=True) for _ in range(groups)]
    t = torch.optim.SGD([{"params": [p]} for p in t_params], lr=0.1, momentum=0.9)
    n = optim.SGD([{"params": [p]} for p in n_params], lr=0.1, momentum=0.9)
    return t, n


def _groups(kwargs) -> int:
    return max((len(v) for v in kwargs.values() if isinstance(v, list) and v and isinstance(v[0], float)),
               default=1)


def _run(module, opt, name, kwargs):
    """Every group's learning rate after each of STEPS steps (a OneCycleLR stops at its total_steps)."""
    sched = getattr(module, name)(opt, **kwargs)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(min(STEPS, kwargs.get("total_steps", STEPS))):
            opt.step()
            sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
            lrs += [g["lr"] for g in opt.param_groups]
    return lrs


def _torch_outcome(name, kwargs, opt) -> str:
    try:
        getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    except Exception as exc:
        return f"raises {type(exc).__name__}"
    try:
        lrs = _run(torch.optim.lr_scheduler, _optimizers(_groups(kwargs))[0], name, kwargs)
    except Exception:
        return "fails later"
    return "bad lr" if any(math.isnan(lr) or lr < 0 for lr in lrs) else "accepts"


@pytest.mark.parametrize("name,kwargs,exc,message,torch_does", CASES,
                         ids=[f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}" for c in CASES])
def test_scheduler_arguments_checked_at_construction(name, kwargs, exc, message, torch_does):
    t_opt, n_opt = _optimizers(_groups(kwargs))
    lr_before = n_opt.param_groups[0]["lr"]
    with pytest.raises(exc) as info:
        getattr(optim.lr_scheduler, name)(n_opt, **kwargs)
    assert str(info.value).startswith(message), str(info.value)
    assert n_opt.param_groups[0]["lr"] == lr_before and "initial_lr" not in n_opt.param_groups[0]
    expected = f"raises {exc.__name__}" if torch_does == "same" else torch_does
    assert expected != "raises ValueError" or torch_does == "same"
    assert _torch_outcome(name, kwargs, t_opt) == expected


VALID_EDGES = [
    ("StepLR", {"step_size": 1}), ("MultiStepLR", {"milestones": [0, 3, 3]}), ("ExponentialLR", {"gamma": 1.5}),
    ("ConstantLR", {"factor": 1.0, "total_iters": 1}), ("LinearLR", {"end_factor": 0.0, "total_iters": 1}),
    ("PolynomialLR", {"total_iters": 1, "power": 0.0}), ("CosineAnnealingLR", {"T_max": 2.5}),
    ("CosineAnnealingLR", {"T_max": 1, "eta_min": 0.2}),
    ("CyclicLR", {"base_lr": 0.0, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 0}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "max_momentum": 1.0, "base_momentum": 0.0}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 12, "pct_start": 0.0}),
    ("ReduceLROnPlateau", {"factor": 0.0, "patience": 0, "min_lr": 1e-3}),
    ("ReduceLROnPlateau", {"threshold": 0.0, "cooldown": 0, "eps": 0.0, "patience": 1}),
]


@pytest.mark.parametrize("name,kwargs", VALID_EDGES,
                         ids=[f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}" for c in VALID_EDGES])
def test_valid_edge_values_give_torchs_rates(name, kwargs):
    t_opt, n_opt = _optimizers()
    ref = _run(torch.optim.lr_scheduler, t_opt, name, kwargs)
    got = _run(optim.lr_scheduler, n_opt, name, kwargs)
    assert got == pytest.approx(ref, rel=1e-12, abs=1e-15)


def test_sequential_lr_milestones_must_increase():
    _, n_opt = _optimizers()
    S = optim.lr_scheduler
    members = [S.ConstantLR(n_opt, factor=0.5, total_iters=2), S.ExponentialLR(n_opt, gamma=0.9),
               S.ExponentialLR(n_opt, gamma=0.8)]
    with pytest.raises(ValueError, match=r"SequentialLR: milestones must be increasing ints >= 1, got \[5, 3\]"):
        S.SequentialLR(n_opt, members, milestones=[5, 3])
    with pytest.raises(TypeError, match="SequentialLR: milestones\\[0\\] must be an int, got float"):
        S.SequentialLR(n_opt, members, milestones=[2.0, 5])


# ---- optimizers ----------------------------------------------------------------------------------------------
def _has(cls, arg) -> bool:
    return arg in inspect.signature(cls.__init__).parameters


OPTIMIZERS = [n for n in optim.__all__ if isinstance(getattr(optim, n), type)
              and issubclass(getattr(optim, n), optim.Optimizer) and n != "Optimizer"]
TORCH_CHECKED = [("lr", -1e-3), ("eps", -1e-8), ("weight_decay", -0.1), ("momentum", -0.5),
                 ("betas", (1.0, 0.9)), ("betas", (0.9, 1.0)), ("betas", (-0.1, 0.9))]
# every optimizer with that argument, in torch too (Adafactor's eps is a pair there and here)
TORCH_CHECKED_CASES = [(name, arg, value) for name in OPTIMIZERS for arg, value in TORCH_CHECKED
                       if _has(getattr(optim, name), arg) and (name, arg) != ("Adafactor", "eps")
                       and (not hasattr(torch.optim, name) or _has(getattr(torch.optim, name), arg))]


@pytest.mark.parametrize("name,arg,value", TORCH_CHECKED_CASES,
                         ids=[f"{n}-{a}={v}" for n, a, v in TORCH_CHECKED_CASES])
def test_optimizer_hyper_parameters_torch_checks(name, arg, value):
    tcls = getattr(torch.optim, name, None)
    if tcls is not None:
        with pytest.raises(ValueError):
            tcls([torch.zeros(2, requires_grad=True)], **{arg: value})
    with pytest.raises(ValueError, match=f"^{name}: Invalid "):
        getattr(optim, name)([nr.zeros((2,), requires_grad=True)], **{arg: value})


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_nan_learning_rate(name):
    with pytest.raises(ValueError, match=f"^{name}: Invalid learning rate: nan"):
        getattr(optim, name)([nr.zeros((2,), requires_grad=True)], lr=math.nan)


STRICTER = [("ASGD", {"lambd": -1.0}, ValueError, "ASGD: lambd must be a finite number >= 0"),
            ("ASGD", {"alpha": -0.5}, ValueError, "ASGD: alpha must be a finite number >= 0"),
            ("ASGD", {"t0": -1.0}, ValueError, "ASGD: t0 must be a finite number >= 0"),
            ("LBFGS", {"history_size": 0}, ValueError, "LBFGS: history_size must be an int >= 1, got 0"),
            ("LBFGS", {"max_iter": 0}, ValueError, "LBFGS: max_iter must be an int >= 1, got 0"),
            ("LBFGS", {"max_iter": 20.0}, TypeError, "LBFGS: max_iter must be an int, got float"),
            ("LBFGS", {"max_eval": 0}, ValueError, "LBFGS: max_eval must be an int >= 1, got 0"),
            ("LBFGS", {"tolerance_grad": -1.0}, ValueError, "LBFGS: tolerance_grad must be a finite number >= 0"),
            ("Rprop", {"step_sizes": (-1.0, 50.0)}, ValueError, "Rprop: step_sizes[0] must be a finite number >= 0"),
            ("Rprop", {"step_sizes": (1.0, 0.5)}, ValueError, "Rprop: step_sizes must be (min, max) with min <= max")]
STRICTER += [(n, {"lr": math.inf}, ValueError, f"{n}: Invalid learning rate: inf") for n in OPTIMIZERS]


@pytest.mark.parametrize("name,kwargs,exc,message", STRICTER,
                         ids=[f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items())}" for c in STRICTER])
def test_optimizer_hyper_parameters_stricter_than_torch(name, kwargs, exc, message):
    tcls = getattr(torch.optim, name, None)
    if tcls is not None:  # torch takes it (and fails or drifts at a step)
        tcls([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(exc) as info:
        getattr(optim, name)([nr.zeros((2,), requires_grad=True)], **kwargs)
    assert str(info.value).startswith(message), str(info.value)
