"""Moving data: host round trips, between devices, and DLPack where the backend declares it."""
import numpy as np
import pytest

import nr_core as nr


def test_host_round_trip_keeps_dtype_and_values(nr_device, nr_backend):
    for dt in (nr.float32, nr.int64, nr.bool, nr.uint8):
        if not nr_backend.supports_dtype(dt):
            continue
        host = (np.arange(12).reshape(3, 4) % 3).astype(dt.numpy)
        x = nr.asarray(host, device=nr_device)
        assert x.dtype is dt and x.shape == (3, 4) and str(x.device) == nr_device
        np.testing.assert_array_equal(x.numpy(), host)


def test_to_device_and_back(nr_device):
    x = nr.asarray(np.linspace(0, 1, 7, dtype=np.float32), device="cpu")
    y = x.to_device(nr_device)
    assert str(y.device) == nr_device
    np.testing.assert_array_equal(y.to_device("cpu").numpy(), x.numpy())


def test_numpy_is_a_copy(nr_device):
    x = nr.zeros((3,), device=nr_device)
    h = x.numpy()
    h[0] = 5
    assert float(x[0]) == 0.0


def test_dlpack_export(nr_device, nr_backend):
    if not nr_backend.capabilities.dlpack:
        pytest.skip(f"{nr_device} does not declare DLPack support")
    x = nr.asarray(np.arange(6, dtype=np.float32).reshape(2, 3), device=nr_device)
    if x.__dlpack_device__()[0] != 1:
        pytest.skip("device memory: NumPy can only import host DLPack capsules")
    np.testing.assert_array_equal(np.from_dlpack(x), x.numpy())
