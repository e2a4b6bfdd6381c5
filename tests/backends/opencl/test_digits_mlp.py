"""An MLP on scikit-learn's digits trains on opencl:0 to the CPU backend's accuracy (within 1%)."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr

pytest.importorskip("nr_autograd")
datasets = pytest.importorskip("sklearn.datasets")

EPOCHS, BATCH, LR, HIDDEN = 15, 64, 0.1, 64


def _data():
    digits = datasets.load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    n_train = int(0.8 * len(x))
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def _params(device):
    rng = np.random.default_rng(1)
    shapes = [(64, HIDDEN), (HIDDEN,), (HIDDEN, 10), (10,)]
    host = [rng.standard_normal(s).astype(np.float32) * (np.sqrt(2.0 / s[0]) if len(s) == 2 else 0.0) for s in shapes]
    return [nr.asarray(h, device=device, requires_grad=True) for h in host]


def _forward(params, x):
    w1, b1, w2, b2 = params
    return nr.relu(x @ w1 + b1) @ w2 + b2


def _loss(logits, onehot):
    log_probs = logits - nr.logsumexp(logits, axis=1, keepdims=True)
    return -nr.mean(nr.sum(onehot * log_probs, axis=1))


def train(device) -> float:
    x_train, y_train, x_test, y_test = _data()
    params = _params(device)
    eye = np.eye(10, dtype=np.float32)
    shuffle = np.random.default_rng(2)
    for _ in range(EPOCHS):
        order = shuffle.permutation(len(x_train))
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            xb = nr.asarray(x_train[idx], device=device)
            tb = nr.asarray(eye[y_train[idx]], device=device)
            _loss(_forward(params, xb), tb).backward()
            with nr.no_grad():
                for p in params:
                    p -= LR * p.grad
                    p.grad = None
    with nr.no_grad():
        logits = _forward(params, nr.asarray(x_test, device=device))
    predicted = nr.argmax(logits, axis=1).numpy()
    return float(np.mean(predicted == y_test))


def test_digits_mlp_matches_cpu_accuracy(dev):
    acc_cpu = train("cpu")
    acc_cl = train(dev)
    assert acc_cpu > 0.9, f"the reference CPU run itself failed to learn ({acc_cpu:.3f})"
    assert abs(acc_cl - acc_cpu) <= 0.01, f"opencl accuracy {acc_cl:.4f} vs cpu {acc_cpu:.4f}"
