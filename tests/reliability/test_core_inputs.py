"""nr_core under bad and unusual input (issue 23's probe): no silent wrong values, NumPy/PyTorch results for empty
arrays, errors that name the op and the operands, and NumPy scalars accepted where the standard has Python ones."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import nr_core as nr


def _opencl():
    try:
        nr.zeros(1, device="opencl")
    except nr.DeviceUnavailableError as exc:
        pytest.skip(f"opencl unavailable: {exc}")
    return "opencl"


# ---- no silent wrong values -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [nr.int32, nr.int64, nr.uint8])
@pytest.mark.parametrize("value, error", [(float("nan"), ValueError), (float("inf"), OverflowError),
                                          (float("-inf"), OverflowError), (1e20, OverflowError),
                                          (2 ** 70, OverflowError)])
def test_full_refuses_values_an_integer_dtype_cannot_hold(dtype, value, error):
    with pytest.raises(error, match=f"full: fill_value .* {dtype.name}"):
        nr.full((2,), value, dtype=dtype)


def test_full_keeps_representable_values():
    assert nr.full((2,), 3.0, dtype=nr.int32).tolist() == [3, 3]
    assert nr.full((2,), -128, dtype=nr.int8).tolist() == [-128, -128]


@pytest.mark.parametrize("obj", [2 ** 70, [1, 2 ** 70], [[2 ** 64]]])
def test_asarray_of_too_large_ints_is_an_overflow(obj):
    with pytest.raises(OverflowError, match="asarray: a Python int does not fit in int64"):
        nr.asarray(obj)


def test_asarray_of_ragged_sequences_names_asarray():
    with pytest.raises(ValueError, match="asarray: the nested sequences have different lengths"):
        nr.asarray([[1, 2], [3]])


def test_permutation_of_a_negative_count_raises():
    with pytest.raises(ValueError, match="random.permutation: n must be non-negative, got -1"):
        nr.random.permutation(-1)
    assert nr.random.permutation(0).shape == (0,)


def test_flatten_out_of_range_raises_index_error():
    x = nr.ones((2, 3))
    with pytest.raises(IndexError, match="flatten: axis -5"):
        x.flatten(0, -5)
    with pytest.raises(IndexError, match="flatten: axis 5"):
        x.flatten(5)
    with pytest.raises(RuntimeError, match="start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)


# ---- empty arrays as NumPy and PyTorch ----------------------------------------------------------------
@pytest.mark.parametrize("axis, keepdims, shape", [(0, False, (3,)), (0, True, (1, 3)), (None, False, ()),
                                                   ((0, 1), True, (1, 1))])
def test_logsumexp_over_an_empty_axis_is_minus_infinity(axis, keepdims, shape):
    out = nr.logsumexp(nr.zeros((0, 3)), axis=axis, keepdims=keepdims)
    assert out.shape == shape and np.all(np.isneginf(out.numpy()))


def test_logsumexp_over_a_non_empty_axis_of_an_empty_array_is_empty():
    assert nr.logsumexp(nr.zeros((0, 3)), axis=1).shape == (0,)


@pytest.mark.parametrize("fn", ["argmax", "argmin"])
def test_argmax_of_empty_arrays_matches_numpy(fn):
    x = np.zeros((0, 3), dtype=np.float32)
    for axis, keepdims in ((1, False), (1, True), (-1, False)):
        got = getattr(nr, fn)(nr.asarray(x), axis=axis, keepdims=keepdims)
        want = getattr(np, fn)(x, axis=axis, keepdims=keepdims)
        assert got.shape == want.shape and got.dtype is nr.int64
    for axis in (0, None):
        with pytest.raises(ValueError, match=rf"{fn}: .*of shape \(0, 3\) is empty"):
            getattr(nr, fn)(nr.asarray(x), axis=axis)


# ---- messages that name the op --------------------------------------------------------------------------
def test_axis_and_shape_of_the_wrong_type_name_op_and_argument():
    x = nr.ones((2, 3))
    with pytest.raises(TypeError, match="sum: axis must be an integer, got float 1.5"):
        nr.sum(x, axis=1.5)
    with pytest.raises(TypeError, match="zeros: shape must be an int or a sequence of ints, got float 3.0"):
        nr.zeros(3.0)
    with pytest.raises(TypeError, match="ones: shape must be an integer, got float"):
        nr.ones((2, 1.5))
    with pytest.raises(ValueError, match="empty: shape must hold non-negative sizes"):
        nr.empty((2, -1))


def test_repeat_with_negative_counts_names_repeat():
    with pytest.raises(ValueError, match="repeat: repeats must be non-negative, got -1"):
        nr.repeat(nr.ones((2, 3)), -1)
    with pytest.raises(ValueError, match="repeat: repeats of shape"):
        nr.repeat(nr.ones((2, 3)), [1, 2], axis=1)


@pytest.mark.parametrize("name, matrix, reason", [
    ("inv", np.zeros((2, 2)), "singular matrix"),
    ("cholesky", -np.eye(3), "not positive definite"),
])
def test_linalg_failures_are_linalg_errors_naming_op_and_shape(name, matrix, reason):
    assert issubclass(nr.linalg.LinAlgError, ValueError)
    with pytest.raises(nr.linalg.LinAlgError, match=rf"linalg.{name}: .*{reason}.*shape \({matrix.shape[0]}, "):
        getattr(nr.linalg, name)(nr.asarray(matrix))


def test_solve_of_a_singular_system_names_both_shapes():
    with pytest.raises(nr.linalg.LinAlgError, match=r"linalg.solve: .*\(2, 2\) and \(2,\)"):
        nr.linalg.solve(nr.zeros((2, 2)), nr.ones(2))


@pytest.mark.parametrize("device", ["cpu", "opencl"])
def test_take_out_of_range_names_op_axis_as_given_and_size(device):
    if device == "opencl":
        _opencl()
    x = nr.ones((2, 3), device=device)
    with pytest.raises(IndexError, match=r"take: .*axis -1 \(size 3\)"):
        nr.take(x, nr.asarray([5], device=device), axis=-1)
    with pytest.raises(IndexError, match=r"take_along_axis: .*axis 1 \(size 3\)"):
        nr.take_along_axis(x, nr.asarray([[5, 0, 0], [0, 0, 0]], device=device), axis=1)
    with pytest.raises(IndexError, match=r"take_along_axis: .*axis -2 \(size 2\)"):
        nr.take_along_axis(x, nr.asarray([[0, 0, 0], [-3, 0, 0]], device=device), axis=-2)


@pytest.mark.parametrize("device", ["cpu", "opencl"])
def test_an_allocation_too_large_fails_at_the_call_naming_op_shape_and_device(device):
    if device == "opencl":
        _opencl()
    shape = (10 ** 7, 10 ** 7)
    with pytest.raises(MemoryError, match=rf"zeros: cannot allocate an array of shape \(10000000, 10000000\) "
                                          rf"and dtype float32 on {device}"):
        nr.zeros(shape, device=device)
    with pytest.raises(MemoryError, match="full: cannot allocate"):
        nr.full(shape, 1.0, device=device)


def test_a_bad_default_device_says_it_came_from_the_variable():
    r = subprocess.run([sys.executable, "-c", "import nr_core as nr; nr.ones(2)"], capture_output=True, text=True,
                       env=dict(os.environ, NR_DEFAULT_DEVICE="bogus"), timeout=120)
    assert r.returncode != 0 and "NR_DEFAULT_DEVICE='bogus'" in r.stderr and "environment variable" in r.stderr


# ---- NumPy scalars where the standard has Python scalars ---------------------------------------------------
def test_numpy_integers_for_axes_shapes_and_sizes():
    x = nr.reshape(nr.arange(6.0), (np.int64(2), np.int32(3)))
    assert x.shape == (2, 3) and all(type(s) is int for s in x.shape)
    assert nr.sum(x, axis=np.int64(1)).tolist() == [3.0, 12.0]
    assert nr.zeros((np.int64(2), 3)).shape == (2, 3)
    assert nr.eye(np.int64(2)).shape == (2, 2)
    assert nr.linspace(0, 1, np.int64(3)).tolist() == [0.0, 0.5, 1.0]
    assert nr.expand_dims(x, axis=np.int64(0)).shape == (1, 2, 3)
    assert nr.random.normal((np.int64(2),)).shape == (2,)


@pytest.mark.parametrize("scalar", [np.float64(2.0), np.float32(2.0), np.int64(2), np.int8(2)])
def test_numpy_scalars_as_operands_on_either_side(scalar):
    x = nr.asarray([1.0, 2.0])
    np.testing.assert_array_equal((scalar * x).numpy(), np.array([2.0, 4.0], np.float32))
    np.testing.assert_array_equal((x * scalar).numpy(), np.array([2.0, 4.0], np.float32))
    assert (x * scalar).dtype is nr.float32  # weakly typed, as a Python scalar
    assert (x == scalar).tolist() == [False, True]


def test_result_type_takes_numpy_scalars_weakly():
    assert nr.result_type(nr.complex64, np.float64(1.0)) is nr.complex64
    assert nr.result_type(nr.float32, np.int64(1)) is nr.float32


def test_arange_bounds_may_be_zero_d_arrays_or_numpy_scalars():
    assert nr.arange(nr.asarray(3)).tolist() == [0, 1, 2]
    assert nr.arange(np.int64(1), nr.asarray(4), np.int32(2)).tolist() == [1, 3]
    with pytest.raises(ValueError, match="arange: stop must be a scalar"):
        nr.arange(nr.asarray([1, 2]))


def test_writing_into_a_broadcast_view_names_the_cause():
    views = [nr.broadcast_to(nr.ones(3), (2, 3)), nr.broadcast_arrays(nr.ones(3), nr.ones((2, 3)))[0]]
    for v in views:
        with pytest.raises(ValueError, match="__setitem__: .* read-only view .*copy"):
            v[0] = 5.0


def test_opencl_broadcast_to_shapes_are_python_ints():
    dev = _opencl()
    y = nr.broadcast_to(nr.ones(3, device=dev), (np.int64(2), np.int64(3)))
    assert y.shape == (2, 3) and all(type(s) is int for s in y.shape)
    assert (y + 1).shape == (2, 3)
