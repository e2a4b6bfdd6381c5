"""The barrier-free kernel forms CPU devices (PoCL) take: packed register-blocked matmul past the small-product
threshold, two-stage reductions over long rows; checked against NumPy on shapes the kit's small samples miss."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
from nr_core.kernelgen.device import linalg, reductions


@pytest.fixture(autouse=True)
def _cpu_device(rt):
    if not rt.is_cpu:
        pytest.skip("opencl:0 is not a CPU device: the GPU forms are the kit's")


def _kernel_names(rt, fn):
    seen = []
    launch = rt.launch

    def spy(handle, *args):
        seen.append(handle.function_name)
        launch(handle, *args)
    rt.launch = spy
    try:
        return fn(), seen
    finally:
        del rt.launch


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,k,n", [(67, 129, 45), (256, 100, 33), (5, 300, 200)])
def test_blocked_matmul_matches_numpy_on_ragged_shapes(dev, rt, dtype, m, k, n):
    if dtype == np.float64 and not rt.fp64:
        pytest.skip("no float64 on this device")
    assert m * n * k >= linalg.BLOCKED_MIN_WORK
    rng = np.random.default_rng(m)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    x, y = nr.asarray(a, device=dev), nr.asarray(b, device=dev)
    res, names = _kernel_names(rt, lambda: x @ y)
    assert names == ["nr_pack", "nr_pack", "nr_blocked"]
    assert res.shape == (m, n)
    out = res.numpy()  # the result views C padded to whole blocks
    np.testing.assert_allclose(out, a @ b, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-4)


def test_blocked_matmul_through_transposed_and_broadcast_batches(dev):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 1, 70, 90)).astype(np.float32)
    b = rng.standard_normal((2, 50, 90)).astype(np.float32)
    x, y = nr.asarray(a, device=dev), nr.asarray(b, device=dev)
    got = (x @ nr.matrix_transpose(y)).numpy()
    np.testing.assert_allclose(got, a @ np.swapaxes(b, -1, -2), rtol=1e-4, atol=1e-4)
    got_t = (nr.matrix_transpose(x[0, 0]) @ nr.asarray(a[1, 0], device=dev)).numpy()
    np.testing.assert_allclose(got_t, a[0, 0].T @ a[1, 0], rtol=1e-4, atol=1e-4)


def test_small_and_integer_products_take_one_naive_launch(dev, rt):
    a = np.arange(12, dtype=np.int64).reshape(3, 4)
    out, names = _kernel_names(rt, lambda: (nr.asarray(a, device=dev) @ nr.asarray(a.T.copy(), device=dev)).numpy())
    assert names == ["nr_matmul_naive"]
    np.testing.assert_array_equal(out, a @ a.T)


@pytest.mark.parametrize("op", ["sum", "max", "min", "prod"])
def test_long_rows_reduce_in_two_stages(dev, rt, op):
    n = 4 * reductions.CPU_SPLIT_MIN_K + 5
    rng = np.random.default_rng(7)
    a = (rng.random(n) + 0.5).astype(np.float32) if op != "prod" else np.ones(n, np.float32)
    a[123] = 3.0
    out, names = _kernel_names(rt, lambda: float(getattr(nr, op)(nr.asarray(a, device=dev))))
    assert names == ["nr_reduce", "nr_reduce"]  # chunks, then their partials
    np.testing.assert_allclose(out, getattr(np, op)(a.astype(np.float64)), rtol=1e-5)


def test_two_stage_sum_over_an_axis_with_few_outputs(dev):
    a = np.random.default_rng(8).standard_normal((3, 40000)).astype(np.float32)
    got = nr.sum(nr.asarray(a, device=dev), axis=1).numpy()
    np.testing.assert_allclose(got, a.astype(np.float64).sum(axis=1), rtol=1e-4, atol=1e-2)


def test_argmax_of_a_long_row_keeps_the_first_maximum(dev):
    a = np.zeros(50000, np.float32)
    a[[777, 40000]] = 5.0
    assert int(nr.argmax(nr.asarray(a, device=dev))) == 777
