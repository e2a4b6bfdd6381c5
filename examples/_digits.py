"""scikit-learn's digits (shipped inside the package, nothing downloaded) as nr datasets, split 80/20."""
from __future__ import annotations

import numpy as np

import nr_core as nr
import nr_data as data


def digits_arrays(image: bool):
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    x = x.reshape(-1, 1, 8, 8) if image else x
    return x, d.target.astype(np.int64)


def digits_datasets(image: bool = False, test_fraction: float = 0.2, seed: int = 0):
    """(train, test) TensorDatasets on the host; loaders move batches to the device."""
    x, y = digits_arrays(image)
    full = data.TensorDataset(nr.asarray(x), nr.asarray(y))
    return data.random_split(full, [1 - test_fraction, test_fraction], seed=seed)
