"""Kernels with work-group barriers (reduction trees, local-memory matmul tiles) and multi-launch ones (bitonic
sort, scans) executed through the shim runtime, one host thread per work-item of a group, against NumPy."""
from __future__ import annotations

import numpy as np

import nr_core as nr


def test_tree_reduction_and_argmax(rt):
    a = np.random.default_rng(0).standard_normal((3, 700)).astype(np.float32)
    x = nr.asarray(a, device="metal")
    np.testing.assert_allclose(nr.sum(x, axis=1).numpy(), a.sum(axis=1), rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(nr.argmax(x, axis=1).numpy(), a.argmax(axis=1))
    np.testing.assert_allclose(float(nr.max(x)), a.max())


def test_tiled_matmul_with_ragged_edges(rt):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((19, 37)).astype(np.float32), rng.standard_normal((37, 11)).astype(np.float32)
    got = (nr.asarray(a, device="metal") @ nr.asarray(b, device="metal")).numpy()
    np.testing.assert_allclose(got, a @ b, rtol=1e-5, atol=1e-5)


def test_sort_and_cumulative_sum(rt):
    a = np.random.default_rng(2).standard_normal(37).astype(np.float32)
    x = nr.asarray(a, device="metal")
    np.testing.assert_array_equal(nr.sort(x).numpy(), np.sort(a))
    np.testing.assert_allclose(nr.cumulative_sum(x).numpy(), np.cumsum(a), rtol=1e-5, atol=1e-5)

