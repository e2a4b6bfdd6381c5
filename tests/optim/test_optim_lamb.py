"""LAMB against a hand-written NumPy implementation of You et al. (2019), Algorithm 2 (with bias correction)."""
from __future__ import annotations

import numpy as np
import pytest

import nr_optim as optim
from _optim_problems import PROBLEMS, nr_params, set_nr_grads


def numpy_lamb(problem, steps, lr, betas, eps, weight_decay, bias_correction=True):
    b1, b2 = betas
    xs = [v.copy() for v in problem.start]
    m = [np.zeros_like(x) for x in xs]
    v = [np.zeros_like(x) for x in xs]
    out = []
    for t in range(1, steps + 1):
        _, grads = problem.loss_and_grads(xs)
        for i, (x, g) in enumerate(zip(xs, grads)):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1 ** t) if bias_correction else m[i]
            v_hat = v[i] / (1 - b2 ** t) if bias_correction else v[i]
            r = m_hat / (np.sqrt(v_hat) + eps) + weight_decay * x
            w_norm, r_norm = np.linalg.norm(x), np.linalg.norm(r)
            trust = w_norm / r_norm if w_norm > 0 and r_norm > 0 else 1.0
            xs[i] = x - lr * trust * r
        out.append(np.concatenate([x.ravel() for x in xs]))
    return out


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("kwargs", [dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0),
                                    dict(lr=5e-3, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.1),
                                    dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01,
                                         bias_correction=False)])
def test_lamb_matches_numpy_reference(problem, kwargs):
    prob = PROBLEMS[problem]
    params = nr_params(prob)
    opt = optim.LAMB(params, **kwargs)
    ref = numpy_lamb(prob, 50, **kwargs)
    for i in range(50):
        set_nr_grads(prob, params)
        opt.step()
        np.testing.assert_allclose(np.concatenate([p.numpy().ravel() for p in params]), ref[i], rtol=1e-9,
                                   atol=1e-15, err_msg=f"step {i + 1}")
    assert prob.loss_and_grads([p.numpy() for p in params])[0] < prob.loss_and_grads(prob.start)[0]


def test_lamb_zero_parameter_uses_unit_trust_ratio():
    import nr_core as nr
    p = nr.zeros((3,), dtype=nr.float64)
    opt = optim.LAMB([p], lr=0.1)
    p.grad = nr.asarray([1.0, -2.0, 0.5], dtype=nr.float64)
    opt.step()
    # step 1 with bias correction: m_hat = g, v_hat = g^2, r = g / (|g| + eps) ~ sign(g); trust = 1 as ||p|| = 0
    np.testing.assert_allclose(p.numpy(), -0.1 * np.array([1.0, -2.0, 0.5]) / (np.abs([1.0, -2.0, 0.5]) + 1e-6))
