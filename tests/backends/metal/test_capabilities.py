"""No float64 or complex128 on Metal: the frontend refuses them, naming op, dtype and device, before any kernel."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr


def _counts(rt):
    return rt.stats.launches, rt.stats.compiles, rt.stats.alloc_misses + rt.stats.alloc_hits


def test_capabilities_have_no_64_bit_floats(shim_backend):
    dts = shim_backend.capabilities.dtypes
    assert nr.float64 not in dts and nr.complex128 not in dts
    assert nr.float32 in dts and nr.complex64 in dts and nr.int64 in dts


@pytest.mark.parametrize("make", [
    lambda: nr.asarray(np.ones(3, np.float64), device="metal"),
    lambda: nr.zeros(3, dtype=nr.float64, device="metal"),
    lambda: nr.ones((2, 2), dtype=nr.complex128, device="metal"),
    lambda: nr.arange(4, dtype=nr.float64, device="metal"),
])
def test_creating_64_bit_float_arrays_raises_before_any_kernel(rt, make):
    before = _counts(rt)
    with pytest.raises(TypeError, match=r"(float64|complex128).*metal|metal.*(float64|complex128)"):
        make()
    assert _counts(rt) == before


def test_casting_to_float64_names_op_dtype_and_device(rt):
    x = nr.asarray(np.arange(4, dtype=np.float32), device="metal")
    y = nr.exp(x)  # pending: a refused cast must not run (or compile) it
    before = _counts(rt)
    with pytest.raises(TypeError) as err:
        nr.astype(y, nr.float64)
    msg = str(err.value)
    assert "astype" in msg and "float64" in msg and "metal" in msg
    assert _counts(rt) == before
    np.testing.assert_allclose(y.numpy(), np.exp(np.arange(4, dtype=np.float32)), rtol=1e-6)


def test_moving_a_float64_array_to_metal_raises(rt):
    x = nr.asarray(np.ones(3, np.float64))
    before = _counts(rt)
    with pytest.raises(TypeError, match="float64"):
        x.to("metal")
    assert _counts(rt) == before
