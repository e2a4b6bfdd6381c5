"""Bad input raises the standard's exception types, naming the op and the offending shapes/dtypes/devices."""
import numpy as np
import pytest

import nr_core as nr


def test_shape_mismatch_names_op_and_shapes(nr_device):
    a, b = nr.ones((2, 3), device=nr_device), nr.ones((4,), device=nr_device)
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        nr.add(a, b)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4,\)"):
        nr.matmul(a, b)


def test_dtype_not_allowed_names_op_and_dtype(nr_device):
    x = nr.ones((3,), dtype=nr.float32, device=nr_device)
    with pytest.raises(TypeError, match="bitwise_and.*float32"):
        nr.bitwise_and(x, x)
    with pytest.raises(TypeError, match="logical_not.*float32"):
        nr.logical_not(x)


def test_device_mismatch(nr_device):
    here = nr.ones((3,), device=nr_device)
    other_spec = "cpu:1" if nr_device == "cpu" else "cpu"
    try:
        there = nr.ones((3,), device=other_spec)
    except nr.DeviceUnavailableError:
        pytest.skip("no second device to mix with")
    with pytest.raises(nr.DeviceMismatchError, match=f"add.*{nr_device}"):
        here + there


def test_unknown_device_explains():
    with pytest.raises(nr.DeviceUnavailableError, match="no installed backend provides device kind 'nosuchdev'"):
        nr.ones(3, device="nosuchdev:0")


def test_malformed_device_string():
    with pytest.raises(ValueError, match="invalid device string"):
        nr.ones(3, device="cuda:x")


def test_bad_reshape_and_axis(nr_device):
    x = nr.asarray(np.arange(6.0, dtype=np.float32), device=nr_device)
    with pytest.raises(ValueError, match=r"reshape.*\(6,\).*\(4, 2\)"):
        nr.reshape(x, (4, 2))
    with pytest.raises(IndexError, match="sum: axis 3 is out of bounds"):
        nr.sum(x, axis=3)
