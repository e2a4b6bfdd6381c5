"""Test problems with hand-written NumPy gradients, and a runner that steps an nr and a torch optimizer in lockstep."""
from __future__ import annotations

import numpy as np

import nr_core as nr


class Rosenbrock:
    """f(x) = (1 - x0)^2 + 100 (x1 - x0^2)^2 from x = (-0.5, 0.5): one parameter of shape (2,)."""

    start = [np.array([-0.5, 0.5])]

    @staticmethod
    def loss_and_grads(values):
        x0, x1 = values[0]
        f = (1 - x0) ** 2 + 100 * (x1 - x0 ** 2) ** 2
        g = np.array([-2 * (1 - x0) - 400 * x0 * (x1 - x0 ** 2), 200 * (x1 - x0 ** 2)])
        return f, [g]


class LinearRegression:
    """Mean squared error of ``X @ W + b`` against fixed targets: parameters W (3, 4) and b (4,)."""

    _rng = np.random.default_rng(0)
    X = _rng.normal(size=(16, 3))
    Y = X @ _rng.normal(size=(3, 4)) + 0.5 + 0.1 * _rng.normal(size=(16, 4))
    start = [_rng.normal(size=(3, 4)), _rng.normal(size=(4,))]

    @classmethod
    def loss_and_grads(cls, values):
        W, b = values
        r = cls.X @ W + b - cls.Y
        dr = 2 * r / r.size
        return float(np.mean(r * r)), [cls.X.T @ dr, dr.sum(axis=0)]


PROBLEMS = {"rosenbrock": Rosenbrock, "linear": LinearRegression}

# one option set per first-order optimizer, for the tests that cover all of them alike
ALL = [("SGD", dict(lr=1e-3, momentum=0.9)), ("Adam", dict(lr=1e-2, amsgrad=True)), ("AdamW", dict(lr=1e-2)),
       ("Adamax", dict(lr=1e-2)), ("NAdam", dict(lr=1e-2)), ("RAdam", dict(lr=1e-2)),
       ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.5)), ("Adagrad", dict(lr=0.1)), ("Adadelta", dict()),
       ("Rprop", dict(lr=1e-2)), ("ASGD", dict(lr=1e-3, t0=5)), ("Adafactor", dict(lr=1e-2)),
       ("LAMB", dict(lr=1e-2))]


def nr_params(problem, dtype=nr.float64, device=None):
    return [nr.asarray(v.copy(), dtype=dtype, device=device) for v in problem.start]


def set_nr_grads(problem, params, sign=1.0):
    """Write the problem's gradient at the current values into ``p.grad``; returns the loss."""
    f, grads = problem.loss_and_grads([p.numpy() for p in params])
    for p, g in zip(params, grads):
        p.grad = nr.asarray(sign * g, dtype=p.dtype, device=p.device)
    return f


def set_torch_grads(torch, problem, params, sign=1.0):
    f, grads = problem.loss_and_grads([p.detach().numpy() for p in params])
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(sign * g)
    return f


def groups_of(params, group_options):
    """Param groups: one group per parameter when ``group_options`` lists per-group options, else a plain list."""
    if not group_options:
        return list(params)
    return [dict(params=[p], **opts) for p, opts in zip(params, group_options)]


def run_lockstep(torch, nr_cls, torch_cls, kwargs, problem, steps=50, group_options=None):
    """Step both optimizers ``steps`` times from the same start; returns the two trajectories (lists of arrays).

    With ``maximize=True`` the problem's gradient is negated, so both still descend ``f``.
    """
    sign = -1.0 if kwargs.get("maximize") else 1.0
    nr_p = nr_params(problem)
    t_p = [torch.tensor(v.copy(), dtype=torch.float64, requires_grad=True) for v in problem.start]
    nr_opt = nr_cls(groups_of(nr_p, group_options), **kwargs)
    t_opt = torch_cls(groups_of(t_p, group_options), **kwargs)
    nr_traj, t_traj = [], []
    for _ in range(steps):
        set_nr_grads(problem, nr_p, sign)
        set_torch_grads(torch, problem, t_p, sign)
        nr_opt.step()
        t_opt.step()
        nr_traj.append(np.concatenate([p.numpy().ravel() for p in nr_p]))
        t_traj.append(np.concatenate([p.detach().numpy().ravel() for p in t_p]))
    return nr_traj, t_traj, nr_opt, t_opt


def assert_trajectories_match(nr_traj, t_traj, start, rtol=1e-9):
    for i, (a, b) in enumerate(zip(nr_traj, t_traj)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-3, err_msg=f"step {i + 1}")
    moved = np.abs(nr_traj[-1] - np.concatenate([v.ravel() for v in start])).max()
    assert moved > 1e-6, "the optimizer did not move the parameters"
