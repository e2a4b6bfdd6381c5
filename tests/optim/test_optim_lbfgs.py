"""LBFGS with a closure, fixed step and strong-Wolfe line search: iterates equal to torch's."""
from __future__ import annotations

import numpy as np
import pytest

import nr_optim as optim
from _optim_problems import PROBLEMS, nr_params, set_nr_grads, set_torch_grads

torch = pytest.importorskip("torch")

CASES = [dict(lr=1, max_iter=10, line_search_fn="strong_wolfe"),
         dict(lr=1, max_iter=6, history_size=3, line_search_fn="strong_wolfe"),
         dict(lr=0.1, max_iter=5),
         dict(lr=0.05, max_iter=4, history_size=2, tolerance_change=1e-12)]


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("case", range(len(CASES)))
def test_lbfgs_matches_torch(problem, case):
    prob, kwargs = PROBLEMS[problem], CASES[case]
    nr_p = nr_params(prob)
    t_p = [torch.tensor(v.copy(), dtype=torch.float64, requires_grad=True) for v in prob.start]
    nr_opt, t_opt = optim.LBFGS(nr_p, **kwargs), torch.optim.LBFGS(t_p, **kwargs)
    evals = {"nr": 0, "torch": 0}

    def nr_closure():
        evals["nr"] += 1
        return set_nr_grads(prob, nr_p)

    def t_closure():
        evals["torch"] += 1
        return torch.tensor(set_torch_grads(torch, prob, t_p), dtype=torch.float64)

    for step in range(5):
        nr_loss = nr_opt.step(nr_closure)
        t_loss = t_opt.step(t_closure)
        assert nr_loss == pytest.approx(float(t_loss), rel=1e-9)
        for a, b in zip(nr_p, t_p):
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-8, atol=1e-12,
                                       err_msg=f"step() {step + 1}")
    assert evals["nr"] == evals["torch"]
    assert nr_opt.state[nr_p[0]]["n_iter"] == t_opt.state[t_p[0]]["n_iter"]
    assert nr_opt.state[nr_p[0]]["func_evals"] == t_opt.state[t_p[0]]["func_evals"]
    assert prob.loss_and_grads([p.numpy() for p in nr_p])[0] < prob.loss_and_grads(prob.start)[0]


def test_lbfgs_needs_closure_and_one_group():
    p = nr_params(PROBLEMS["rosenbrock"])
    with pytest.raises(TypeError, match="closure"):
        optim.LBFGS(p).step()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": p}, {"params": nr_params(PROBLEMS["rosenbrock"])}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS(p, line_search_fn="backtracking")
