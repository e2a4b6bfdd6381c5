"""Elementwise special cases of the standard that NumPy's own functions miss (hand-worked expected values):
``floor_divide`` with infinite operands, complex ``expm1`` and complex ``tanh`` at infinities, NaN and signed zeros."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nr_core as nr

INF, NAN = math.inf, math.nan


def _same(got: float, want: float) -> bool:
    """Equal including the sign of zero, NaN equal to NaN."""
    if math.isnan(want):
        return math.isnan(got)
    return got == want and math.copysign(1, got) == math.copysign(1, want)


@pytest.mark.parametrize("dtype", [nr.float32, nr.float64])
@pytest.mark.parametrize("x1, x2, want", [
    (INF, 2.0, INF), (INF, -2.0, -INF), (-INF, 2.0, -INF), (-INF, -2.0, INF),
    (1.0, -INF, -0.0), (-1.0, INF, -0.0), (1.0, INF, 0.0), (-1.0, -INF, 0.0),
    (INF, INF, NAN), (NAN, 2.0, NAN), (7.0, 2.0, 3.0), (-7.0, 2.0, -4.0), (7.0, -2.0, -4.0),
])
def test_floor_divide_with_infinities(dtype, x1, x2, want):
    a, b = nr.asarray([x1, 5.0], dtype=dtype), nr.asarray([x2, 2.0], dtype=dtype)
    for got in (nr.floor_divide(a, b), a // b):
        assert got.dtype == dtype
        assert _same(got.tolist()[0], want), (x1, x2, got)
        assert got.tolist()[1] == 2.0
    assert _same(float(nr.floor_divide(nr.asarray(x1, dtype=dtype), x2)), want)


def test_floor_divide_integers_unchanged():
    assert nr.floor_divide(nr.asarray([7, -7, 7]), nr.asarray([2, 2, -2])).tolist() == [3, -4, -4]


@pytest.mark.parametrize("dtype", [nr.complex64, nr.complex128])
@pytest.mark.parametrize("z, want", [
    (complex(0.0, 0.0), (0.0, 0.0)),
    (complex(-0.0, 0.0), (0.0, 0.0)),
    (complex(INF, 0.0), (INF, 0.0)),
    (complex(-INF, INF), (-1.0, 0.0)),
    (complex(INF, INF), (INF, NAN)),
    (complex(-INF, NAN), (-1.0, 0.0)),
    (complex(INF, NAN), (INF, NAN)),
    (complex(NAN, 0.0), (NAN, 0.0)),
    (complex(NAN, 1.0), (NAN, NAN)),
    (complex(1.0, INF), (NAN, NAN)),
])
def test_complex_expm1_special_cases(dtype, z, want):
    got = complex(nr.expm1(nr.asarray(z, dtype=dtype)))
    re_ok = _same(got.real, want[0]) or (math.isinf(want[0]) and math.isinf(got.real) and want[1] != want[1])
    assert re_ok and (_same(got.imag, want[1]) or (want[0] == -1.0 and got.imag == 0)), (z, got)


def test_complex_expm1_matches_exp_minus_one_for_finite_values():
    z = np.array([1e-12 + 2e-12j, -1e-8 + 0j, 0.5 - 0.25j, -3 + 1j, 2 + 3j])
    got = nr.expm1(nr.asarray(z)).numpy()
    # near zero expm1(z) ~ z + z^2/2 + z^3/6: exp(z) - 1 would lose most digits there
    small = z[:2]
    np.testing.assert_allclose(got[:2], small + small ** 2 / 2 + small ** 3 / 6, rtol=1e-14)
    np.testing.assert_allclose(got[2:], np.exp(z[2:]) - 1, rtol=1e-12)
    assert nr.expm1(nr.asarray(z, dtype=nr.complex64)).dtype == nr.complex64


@pytest.mark.parametrize("z, want", [
    (complex(INF, 2.0), (1.0, 0.0)),
    (complex(INF, -2.0), (1.0, -0.0)),
    (complex(-INF, 2.0), (-1.0, 0.0)),
    (complex(INF, 0.5), (1.0, 0.0)),
])
def test_complex_tanh_at_infinity(z, want):
    got = complex(nr.tanh(nr.asarray(z, dtype=nr.complex128)))
    assert _same(got.real, want[0]) and _same(got.imag, want[1]), (z, got)


def test_complex_tanh_matches_numpy_for_finite_values():
    z = np.array([0.5 + 0.5j, -2 + 1j, 3 - 0.1j])
    np.testing.assert_allclose(nr.tanh(nr.asarray(z)).numpy(), np.tanh(z), rtol=1e-14)
