"""Devices: parsing, interning, the fake second CPU device, moves, and mixing errors."""
import numpy as np
import pytest

import nr_core as nr
from nr_core.devices import Device


def test_parse_and_intern():
    assert Device("cuda", 1) is Device("cuda", 1)
    assert str(Device("cpu", 0)) == "cpu" and str(Device("cuda", 0)) == "cuda:0"
    assert nr.ones(1).device == "cpu" and nr.ones(1, device="cpu:0").device is Device("cpu", 0)


def test_fake_second_device_moves_and_keeps_values_apart():
    x = nr.asarray([1.0, 2.0])
    y = x.to_device("cpu:1")
    assert str(y.device) == "cpu:1" and y.tolist() == [1.0, 2.0]
    y[0] = 5.0
    assert x.tolist() == [1.0, 2.0]  # a move is a copy
    assert x.to("cpu") is x


def test_device_propagates_through_ops_and_creation():
    x = nr.ones((2, 3), device="cpu:1")
    assert (nr.sum(x * 2, axis=0) + 1).device == Device("cpu", 1)
    assert nr.zeros_like(x).device == Device("cpu", 1) and nr.asarray(x, copy=True).device == Device("cpu", 1)


def test_mixing_devices_raises():
    with pytest.raises(nr.DeviceMismatchError, match=r"matmul.*cpu.*cpu:1"):
        nr.matmul(nr.ones((2, 2)), nr.ones((2, 2), device="cpu:1"))
    with pytest.raises(nr.DeviceMismatchError):
        nr.where(nr.ones(2, dtype=nr.bool), nr.ones(2), nr.ones(2, device="cpu:1"))


def test_out_of_range_device_index():
    with pytest.raises(nr.DeviceUnavailableError, match="cpu:7"):
        nr.ones(1, device="cpu:7")


def test_array_interop_on_cpu():
    x = nr.asarray(np.arange(4.0))
    assert np.asarray(x).dtype == np.float64
    with pytest.raises(TypeError, match="ufunc"):
        np.add(np.ones(2), nr.ones(2))  # mixing libraries is an error, not a silent conversion


def test_asarray_of_nested_arrays_from_a_device_without_host_views():
    pytest.importorskip("nr_example_backend")
    a = nr.asarray([1.0, 2.0], device="example")
    out = nr.asarray([[a[0] * a[1], a[1]], [a[0], a[0]]], device="example")  # the array API suite does this
    assert out.tolist() == [[2.0, 2.0], [1.0, 1.0]] and out.dtype is nr.float32 and str(out.device) == "example:0"


def test_hot_path_follows_each_arrays_backend():
    """The per-op kernel cache is keyed by dtype and remembers its backend: alternating backends stay correct."""
    pytest.importorskip("nr_example_backend")
    a, b = nr.ones(3), nr.ones(3, device="example")
    for _ in range(3):
        assert (a + a).device == "cpu" and str((b + b).device) == "example:0"
        assert nr.exp(b).device == b.device and nr.exp(a).device == a.device
