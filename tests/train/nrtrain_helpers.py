"""Small data and models shared by the nr_train tests (imported by name, like tests/data's nrdata_helpers)."""
from __future__ import annotations

import numpy as np

import nr_core as nr
import nr_data as data
import nr_nn as nn

N_FEATURES, N_CLASSES = 6, 3


def blobs(n: int = 120, seed: int = 0):
    """Three separable-ish Gaussian blobs: float32 features, int64 labels (host arrays)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N_CLASSES, n)
    centres = rng.normal(0, 2.0, (N_CLASSES, N_FEATURES))
    x = (centres[y] + rng.normal(0, 1.0, (n, N_FEATURES))).astype(np.float32)
    return x, y.astype(np.int64)


def loaders(batch_size: int = 16, n: int = 120, **kw):
    x, y = blobs(n)
    train = data.TensorDataset(nr.asarray(x[: n * 3 // 4]), nr.asarray(y[: n * 3 // 4]))
    val = data.TensorDataset(nr.asarray(x[n * 3 // 4:]), nr.asarray(y[n * 3 // 4:]))
    return data.DataLoader(train, batch_size=batch_size, shuffle=True, **kw), data.DataLoader(val, batch_size=32)


def mlp(dropout: float = 0.0):
    return nn.Sequential(nn.Linear(N_FEATURES, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, N_CLASSES))

