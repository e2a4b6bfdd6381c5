"""DLPack both ways with NumPy and PyTorch (CPU): dtype, shape and values survive, memory is shared where the
protocol allows it, and ``copy=`` is honoured."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64",
          "complex64", "complex128"]


def _sample(dtype_name: str, shape=(2, 3)) -> np.ndarray:
    a = np.asarray(np.arange(int(np.prod(shape))).reshape(shape) % 5)
    if dtype_name == "bool":
        return np.asarray(a % 2, dtype=bool)
    if dtype_name.startswith("complex"):
        return np.asarray(a - 2.5j * a, dtype=dtype_name)
    return a.astype(dtype_name)


# ---- NumPy ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_numpy_round_trip_keeps_dtype_shape_values(dtype, shape):
    a = _sample(dtype, shape)
    x = nr.from_dlpack(a)
    assert x.dtype == getattr(nr, dtype) and x.shape == shape
    back = np.from_dlpack(x)
    assert back.dtype == a.dtype and back.shape == shape
    np.testing.assert_array_equal(back, a)


def test_numpy_shares_memory_both_ways():
    a = np.zeros((2, 3), np.float32)
    x = nr.from_dlpack(a)
    a[0, 1] = 5
    assert x[0, 1] == 5
    b = np.from_dlpack(x)
    assert np.shares_memory(a, b)
    b[1, 2] = -1
    assert x[1, 2] == -1


def test_numpy_copy_true_does_not_share():
    a = np.zeros(3)
    x = nr.from_dlpack(a, copy=True)
    a[0] = 1
    assert x[0] == 0


def test_views_keep_their_strides():
    a = np.arange(12.0).reshape(3, 4)
    x = nr.from_dlpack(a[:, ::2])
    assert x.tolist() == a[:, ::2].tolist()
    t = np.from_dlpack(nr.asarray(a).mT)
    np.testing.assert_array_equal(t, a.T)


def test_dlpack_device_and_device_requests():
    x = nr.ones(3)
    assert x.__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError):
        x.__dlpack__(dl_device=(2, 0))  # a CUDA copy of a CPU array is not possible here


def test_arrays_that_require_grad_refuse_export():
    x = nr.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match="requires grad.*detach"):
        np.from_dlpack(x)
    assert np.from_dlpack(x.detach()).tolist() == [1.0, 1.0]


def test_from_dlpack_rejects_non_producers():
    with pytest.raises(TypeError, match="from_dlpack: list does not implement the DLPack protocol"):
        nr.from_dlpack([1, 2])


# ---- PyTorch (CPU) ------------------------------------------------------------------------------
TORCH_DTYPES = [d for d in DTYPES if d not in ("uint32", "uint64")]  # torch's DLPack export of these varies


@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_torch_round_trip_keeps_dtype_shape_values(dtype):
    torch = pytest.importorskip("torch")
    a = _sample(dtype)
    t = torch.from_numpy(a.copy())
    x = nr.from_dlpack(t)
    assert x.dtype == getattr(nr, dtype) and x.shape == tuple(t.shape)
    np.testing.assert_array_equal(x.numpy(), a)
    back = torch.from_dlpack(x)
    assert str(back.dtype) == f"torch.{dtype}" and tuple(back.shape) == a.shape
    np.testing.assert_array_equal(back.numpy(), a)


def test_torch_shares_memory_both_ways():
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, 3)
    x = nr.from_dlpack(t)
    t[0, 0] = 3
    assert x[0, 0] == 3
    x[1, 1] = 4
    assert float(t[1, 1]) == 4
    u = torch.from_dlpack(x)
    u[0, 2] = 7
    assert x[0, 2] == 7 and float(t[0, 2]) == 7


def test_torch_copy_true_and_non_contiguous_views():
    torch = pytest.importorskip("torch")
    t = torch.arange(12.0).reshape(3, 4)
    x = nr.from_dlpack(t, copy=True)
    t[0, 0] = 100
    assert x[0, 0] == 0
    v = nr.from_dlpack(t.T[:, 1:])
    np.testing.assert_array_equal(v.numpy(), t.T[:, 1:].numpy())
    s = torch.from_dlpack(nr.asarray(np.arange(6.0).reshape(2, 3)).mT)
    assert s.stride() == (1, 3) and s.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_torch_zero_dimensional_and_reduction_results():
    torch = pytest.importorskip("torch")
    total = nr.sum(nr.asarray([1.5, 2.5]))
    t = torch.from_dlpack(total)
    assert t.shape == () and float(t) == 4.0
    assert float(nr.from_dlpack(torch.tensor(2.5))) == 2.5
