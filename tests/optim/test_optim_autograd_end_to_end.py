"""End to end with nr_autograd: a tiny MLP trained through ``loss.backward()`` follows torch's trajectory."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_optim as optim

torch = pytest.importorskip("torch")
pytest.importorskip("nr_autograd")


@pytest.mark.parametrize("name, kwargs", [("Adam", dict(lr=1e-2, weight_decay=1e-3)),
                                          ("SGD", dict(lr=5e-2, momentum=0.9, nesterov=True))])
def test_mlp_training_matches_torch(name, kwargs):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    init = [rng.normal(size=(3, 8)) * 0.5, np.zeros(8), rng.normal(size=(8, 1)) * 0.5, np.zeros(1)]
    ps = [nr.asarray(v, dtype=nr.float64).requires_grad_(True) for v in init]
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in init]
    opt, t_opt = getattr(optim, name)(ps, **kwargs), getattr(torch.optim, name)(ts, **kwargs)
    Xn, Yn = nr.asarray(X, dtype=nr.float64), nr.asarray(Y, dtype=nr.float64)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = nr.mean(nr.square(nr.tanh(Xn @ ps[0] + ps[1]) @ ps[2] + ps[3] - Yn))
        loss.backward()
        opt.step()
        t_opt.zero_grad()
        t_loss = ((torch.tanh(Xt @ ts[0] + ts[1]) @ ts[2] + ts[3] - Yt) ** 2).mean()
        t_loss.backward()
        t_opt.step()
        losses.append(float(loss.detach()))
        assert float(loss.detach()) == pytest.approx(t_loss.item(), rel=1e-9)
        for p, t in zip(ps, ts):
            np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert losses[-1] < losses[0]
    assert all(p.requires_grad and p.is_leaf for p in ps)
