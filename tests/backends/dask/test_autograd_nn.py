"""Autograd and nn layers on dask:0: the gradient rules are nr ops, so gradients are graphs until read, and they
equal the CPU backend's (the independent reference here: NumPy through the CPU backend, and hand-derived
gradients)."""
import copy

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F
import nr_optim as optim

RNG = np.random.default_rng(7)
X = RNG.standard_normal((64, 5)).astype(np.float32)
Y = (X @ np.array([1.5, -2.0, 0.5, 0.0, 3.0], np.float32) + 0.25).astype(np.float32)
LABELS = RNG.integers(0, 3, 64)


def test_gradients_stay_lazy_until_read(counting):
    x, src = counting(X, (16, 5))
    w = nr.zeros((5,), device="dask", requires_grad=True)
    loss = ((x @ w - nr.asarray(Y, device="dask")) ** 2).mean()
    loss.backward()
    assert src.reads == 0 and hasattr(w.grad._data, "dask")
    # d/dw mean((Xw - y)^2) at w = 0 is -2 X^T y / n
    np.testing.assert_allclose(w.grad.numpy(), -2 * X.T @ Y / len(X), rtol=1e-5)
    assert src.reads == 4


def _train(model, device, steps, loss_fn, x, y, lr=0.1):
    model = copy.deepcopy(model).to(device)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    xs = nr.asarray(x, device=device, chunks=(16, -1) if device == "dask" else None)
    ys = nr.asarray(y, device=device)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(xs), ys)
        loss.backward()
        grads = [p.grad.numpy() for p in model.parameters()]
        opt.step()
        nr.realize(*model.parameters())  # one pass per step: the next step starts from computed weights
        history.append((loss.item(), grads))
    return history, [p.detach().numpy() for p in model.parameters()]


def _same(a, b):
    (hist_a, params_a), (hist_b, params_b) = a, b
    for (la, ga), (lb, gb) in zip(hist_a, hist_b):
        assert la == pytest.approx(lb, rel=1e-5, abs=1e-6)
        for x, y in zip(ga, gb):
            np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-6)
    for x, y in zip(params_a, params_b):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-6)


def test_linear_regression_trains_like_on_the_cpu():
    nr.random.seed(0)
    model = nn.Linear(5, 1)
    loss_fn = lambda out, y: F.mse_loss(out.reshape(-1), y)  # noqa: E731
    dask_run = _train(model, "dask", 8, loss_fn, X, Y)
    _same(dask_run, _train(model, "cpu", 8, loss_fn, X, Y))
    assert dask_run[0][-1][0] < dask_run[0][0][0] / 2  # it learns


def test_mlp_classifier_trains_like_on_the_cpu():
    nr.random.seed(1)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
    dask_run = _train(model, "dask", 6, F.cross_entropy, X, LABELS)
    _same(dask_run, _train(model, "cpu", 6, F.cross_entropy, X, LABELS))


def test_conv_pool_and_norm_layers_run_lazily_with_cpu_gradients():
    nr.random.seed(2)
    net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.AvgPool2d(2), nn.Flatten(), nn.LayerNorm(18), nn.Linear(18, 4), nn.LogSoftmax(dim=1))
    img = RNG.standard_normal((5, 2, 8, 12)).astype(np.float32)
    runs = {}
    for device in ("cpu", "dask"):
        m = copy.deepcopy(net).to(device)
        x = nr.asarray(img, device=device, requires_grad=True)
        out = m(x)
        (out * out).sum().backward()
        assert hasattr(out._data, "dask") == (device == "dask")
        runs[device] = [out.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]
    for got, want in zip(runs["dask"], runs["cpu"]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
