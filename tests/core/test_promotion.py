"""Type promotion: the standard's table (hand-written here), PyTorch's cross-kind cases, and Python scalars."""
import numpy as np
import pytest

import nr_core as nr

i1, i2, i4, i8 = nr.int8, nr.int16, nr.int32, nr.int64
u1, u2, u4, u8 = nr.uint8, nr.uint16, nr.uint32, nr.uint64
f4, f8, c8, c16 = nr.float32, nr.float64, nr.complex64, nr.complex128

STANDARD = [  # (a, b, result) from the 2024.12 promotion tables
    (i1, i2, i2), (i1, i8, i8), (i4, i2, i4), (u1, u2, u2), (u4, u8, u8), (u1, i1, i2), (u2, i2, i4),
    (u4, i4, i8), (u1, i8, i8), (i4, u2, i4), (f4, f8, f8), (c8, c16, c16), (f4, c8, c8), (f8, c8, c16),
    (f4, c16, c16), (nr.bool, nr.bool, nr.bool),
]
TORCH_CROSS_KIND = [(i8, f4, f4), (u1, f8, f8), (i4, c8, c8), (nr.bool, i1, i1), (nr.bool, f4, f4)]


@pytest.mark.parametrize("a,b,want", STANDARD + TORCH_CROSS_KIND)
def test_binary_promotion(a, b, want):
    x, y = nr.ones(2, dtype=a), nr.ones(2, dtype=b)
    op = nr.bitwise_xor if a is b is nr.bool else nr.add  # add is for numeric dtypes only
    assert op(x, y).dtype is want and op(y, x).dtype is want
    assert nr.result_type(a, b) is want


def test_unpromotable_pair_raises_naming_both():
    with pytest.raises(TypeError, match="int64 and uint64"):
        nr.ones(2, dtype=i8) + nr.ones(2, dtype=u8)


@pytest.mark.parametrize("dtype,scalar,want", [
    (i1, 3, i1), (f4, 2.5, f4), (f8, 1, f8), (c8, 1.5, c8), (nr.bool, True, nr.bool),
    (i4, 1.5, f4), (nr.bool, 2, i8), (f4, 1j, c8), (f8, 1j, c16),
])
def test_scalar_promotion(dtype, scalar, want):
    x = nr.ones(3, dtype=dtype)
    if dtype is nr.bool and type(scalar) is bool:
        assert (x & scalar).dtype is want and (scalar & x).dtype is want
        return
    assert (x + scalar).dtype is want and (scalar + x).dtype is want


def test_python_defaults():
    assert nr.asarray(1.5).dtype is f4 and nr.asarray(2).dtype is i8 and nr.asarray(True).dtype is nr.bool
    assert nr.asarray(1j).dtype is c8 and nr.asarray([1, 2.0]).dtype is f4
    assert nr.asarray(np.float64(1.0)).dtype is f8  # NumPy data keeps its dtype


def test_int_float_ops_compute_in_float():
    x = nr.asarray([1, 4, 9])
    assert nr.sqrt(x).dtype is f4 and nr.sqrt(x).tolist() == [1.0, 2.0, 3.0]
    assert (x / 2).dtype is f4 and (x / 2).tolist() == [0.5, 2.0, 4.5]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("scalar", [0.0, -0.0, 2, float("nan"), 1e4])
def test_where_with_a_python_number_keeps_the_arrays_dtype_and_values(dtype, scalar):
    """where(mask, x, number): the short path (same shapes, float x) against NumPy, signed zeros and NaN kept;
    a mask that broadcasts takes the general path to the same result."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 6)).astype(dtype)
    c = rng.random((5, 6)) > 0.5
    for mask in (c, c[:1]):  # (5, 6) and a broadcast (1, 6)
        want = np.where(mask, x, np.asarray(scalar, dtype=dtype))
        got = nr.where(nr.asarray(mask), nr.asarray(x), scalar)
        assert got.dtype == getattr(nr, dtype)
        assert np.asarray(got).tobytes() == want.tobytes()
