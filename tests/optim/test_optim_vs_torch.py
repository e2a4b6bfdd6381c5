"""Every optimizer, several option sets, 50 steps on Rosenbrock and a linear model: trajectories equal to torch's
(asserted to 1e-9 relative, tighter than the 1e-6 of the acceptance criterion; observed differences are ~1e-15)."""
from __future__ import annotations

import numpy as np
import pytest

import nr_optim as optim
from _optim_problems import PROBLEMS, assert_trajectories_match, run_lockstep

torch = pytest.importorskip("torch")

CASES = {
    "SGD": [dict(lr=1e-3), dict(lr=1e-3, momentum=0.9, nesterov=True, weight_decay=0.1),
            dict(lr=1e-3, momentum=0.8, dampening=0.3, maximize=True)],
    "Adam": [dict(lr=1e-2), dict(lr=1e-2, amsgrad=True, weight_decay=0.1),
             dict(lr=1e-2, betas=(0.8, 0.99), maximize=True, decoupled_weight_decay=True, weight_decay=0.05)],
    "AdamW": [dict(lr=1e-2), dict(lr=1e-2, amsgrad=True, weight_decay=0.3, eps=1e-4)],
    "Adamax": [dict(lr=1e-2), dict(lr=1e-2, betas=(0.5, 0.9), weight_decay=0.1, maximize=True)],
    "NAdam": [dict(lr=1e-2), dict(lr=1e-2, weight_decay=0.1, momentum_decay=1e-2),
              dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)],
    "RAdam": [dict(lr=1e-2), dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=1e-2, betas=(0.9, 0.9), weight_decay=0.1, maximize=True)],
    "RMSprop": [dict(lr=1e-3), dict(lr=1e-3, centered=True, momentum=0.9, weight_decay=0.1),
                dict(lr=1e-3, alpha=0.9, maximize=True)],
    "Adagrad": [dict(lr=0.1), dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5,
                                   maximize=True)],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)],
    "Rprop": [dict(lr=1e-2), dict(lr=1e-3, etas=(0.3, 1.5), step_sizes=(1e-5, 1.0), maximize=True)],
    "ASGD": [dict(lr=1e-3), dict(lr=1e-3, lambd=1e-2, alpha=0.5, t0=10, weight_decay=0.1, maximize=True)],
    "Adafactor": [dict(lr=1e-2), dict(lr=1e-2, beta2_decay=-0.5, eps=(1e-4, 1e-3), d=2.0, weight_decay=0.1,
                                      maximize=True)],
}

PARAMS = [pytest.param(name, i, prob, id=f"{name}-{i}-{prob}")
          for name, cases in CASES.items() for i in range(len(cases)) for prob in PROBLEMS]


@pytest.fixture(autouse=True)
def _torch_float64():
    # torch keeps scalar state (step, NAdam's mu_product, ASGD's eta/mu) in the default dtype; ours are floats
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(prev)


def _to_numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else value


@pytest.mark.parametrize("name, case, problem", PARAMS)
def test_trajectory_matches_torch(name, case, problem):
    kwargs = CASES[name][case]
    prob = PROBLEMS[problem]
    nr_traj, t_traj, nr_opt, t_opt = run_lockstep(torch, getattr(optim, name), getattr(torch.optim, name), kwargs,
                                                  prob)
    assert_trajectories_match(nr_traj, t_traj, prob.start)
    # the state has PyTorch's keys and values
    nr_sd, t_sd = nr_opt.state_dict(), t_opt.state_dict()
    assert sorted(nr_sd["state"]) == sorted(t_sd["state"])
    for k, t_state in t_sd["state"].items():
        assert set(nr_sd["state"][k]) == set(t_state)
        for key, t_val in t_state.items():
            ours = nr_sd["state"][k][key]
            ours = ours.numpy() if hasattr(ours, "numpy") else ours
            np.testing.assert_allclose(ours, _to_numpy(t_val), rtol=1e-6, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_per_group_options_match_torch(name):
    kwargs = CASES[name][1]
    groups = [dict(lr=kwargs.get("lr", 1e-3) * 3), dict(weight_decay=0.0)]
    prob = PROBLEMS["linear"]
    nr_traj, t_traj, _, _ = run_lockstep(torch, getattr(optim, name), getattr(torch.optim, name), kwargs, prob,
                                         group_options=groups)
    assert_trajectories_match(nr_traj, t_traj, prob.start)
