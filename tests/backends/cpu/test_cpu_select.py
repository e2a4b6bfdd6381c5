"""The CPU backend's branch-free ``where`` gives exactly np.where's bits (NaN payloads, signed zeros, every
fixed-width dtype, broadcasting), and falls back to np.where where it cannot."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
from nr_backend_cpu import select

SHAPES = [((5000,), (5000,), (5000,)), ((64, 1, 100), (1, 80, 100), ()), ((9000,), (9000,), ()),
          ((100, 100), (100,), (100, 1)), ((1, 9000), (9000,), (1,)), ((10,), (10,), (10,))]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int8", "int64", "uint16", "bool",
                                   "complex64", "complex128"])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_bits_equal_numpy_where(dtype, shapes):
    rng = np.random.default_rng(len(dtype))
    c = rng.random(shapes[0]) > 0.5
    x1, x2 = ((rng.standard_normal(s) * 5).astype(dtype) for s in shapes[1:])
    if np.dtype(dtype).kind == "f" and x1.ndim:
        x1[rng.random(x1.shape) > 0.8] = np.nan
        x1[rng.random(x1.shape) > 0.8] = -0.0
    got, want = select.where(c, x1, x2), np.where(c, x1, x2)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_a_zero_other_branch_keeps_its_sign(zero):
    c = np.arange(9000) % 3 == 0
    x = np.full(9000, np.nan, np.float32)
    got, want = select.where(c, x, np.float32(zero)), np.where(c, x, np.float32(zero))
    assert got.tobytes() == want.tobytes()


def test_mixed_dtypes_fall_back():
    c = np.arange(5000) % 3 == 0
    got = select.where(c, np.ones(5000, np.float32), np.zeros(5000, np.float64))
    np.testing.assert_array_equal(got, np.where(c, 1.0, 0.0))
    assert got.dtype == np.float64


def test_nr_where_uses_it_and_its_gradient_matches():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((70, 70))
    t = nr.asarray(x, requires_grad=True)
    y = nr.where(t > 0, t, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(y), np.where(x > 0, x, 0.0))
    np.testing.assert_array_equal(np.asarray(t.grad), (x > 0).astype(float))


def test_scalar_branches_of_nr_where_keep_their_value():
    c = nr.asarray(np.array([True, False, False]))
    x = nr.asarray(np.array([1.0, 2.0, 3.0], np.float32))
    for s in (0.0, -0.0, float("nan"), 0.0, -0.0, 2, True):
        got = np.asarray(nr.where(c, x, s))
        want = np.where([True, False, False], np.float32([1.0, 2.0, 3.0]), np.float32(s))
        assert got.tobytes() == want.tobytes(), s
    assert np.asarray(nr.where(c, 5.0, x)).tolist() == [5.0, 2.0, 3.0]
