"""The CPU backend's multi-threaded paths: large elementwise ops give the single-thread call's exact bits, full
sums agree with a float64 reference as closely as NumPy's, and one thread turns them off."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
from nr_backend_cpu import parallel

N = parallel.MIN_SIZE + 1001  # over the threshold and not a multiple of anything


@pytest.fixture
def two_threads():
    before = parallel.threads()
    parallel.set_threads(2)
    yield
    parallel.set_threads(before)


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_large_binary_ops_are_bit_identical(two_threads, op, dtype):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(N) * 100).astype(dtype)
    b = (rng.standard_normal(N) * 100 + 1000).astype(dtype)
    got = np.asarray(getattr(nr, op)(nr.asarray(a), nr.asarray(b)))
    if dtype == "int32" and op == "divide":  # nr divides integers in the default float dtype
        a, b = a.astype(np.float32), b.astype(np.float32)
    want = getattr(np, op)(a, b)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("other", [(1, 7, 1, 1), (7, 1, 1), (1,), (64, 1, 1, 1), (64, 7, 1, 1)])
def test_broadcast_binary_ops_split_along_the_leading_axis_are_bit_identical(two_threads, other):
    rng = np.random.default_rng(1)
    shape = (64, 7, -(-parallel.MIN_SIZE // (64 * 7 * 31)), 31)  # just over the threshold
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(other).astype(np.float32) + 3.0
    for op in ("add", "subtract", "multiply", "divide"):
        got = np.asarray(getattr(nr, op)(nr.asarray(a), nr.asarray(b)))
        want = getattr(np, op)(a, b)
        assert got.shape == want.shape and got.tobytes() == want.tobytes(), op


def test_broadcast_mismatch_names_the_op(two_threads):
    a = np.zeros((64, 7, 2400, 1), np.float32)
    with pytest.raises(ValueError, match="add"):
        nr.asarray(a) + nr.asarray(np.zeros((5, 1, 1), np.float32))


def test_shapes_it_does_not_split_still_compute(two_threads):
    a = np.arange(N, dtype=np.float32).reshape(1, N)
    b = np.ones((3, 1), np.float32)
    np.testing.assert_array_equal(np.asarray(nr.asarray(a) * nr.asarray(b)), a * b)   # broadcast
    t = a.reshape(-1)[::2]
    np.testing.assert_array_equal(np.asarray(nr.asarray(t) + nr.asarray(t)), t + t)   # strided


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [parallel.SUM_MIN_SIZE, 3_000_001])
def test_full_sum_is_as_accurate_as_numpys(dtype, n):
    x = (np.random.default_rng(n).standard_normal(n) + 0.25).astype(dtype)
    ref = float(np.sum(x.astype(np.longdouble)))
    got = nr.sum(nr.asarray(x))
    assert got.dtype == nr.float32 if dtype == "float32" else nr.float64
    tol = 4 * np.finfo(dtype).eps * np.abs(x).sum()     # a summation error bound far under n * eps
    assert abs(float(got) - ref) <= tol
    assert abs(float(np.asarray(nr.sum(nr.asarray(x.reshape(-1, 1)), keepdims=True))[0, 0]) - ref) <= tol


def test_sum_of_non_finite_values():
    x = np.ones(N, np.float32)
    x[7] = np.inf
    assert float(nr.sum(nr.asarray(x))) == np.inf
    x[9] = -np.inf
    with np.errstate(invalid="ignore"):  # inf - inf: NumPy's own sum warns alike
        assert np.isnan(float(nr.sum(nr.asarray(x))))


def test_one_thread_runs_on_the_caller(monkeypatch):
    before = parallel.threads()
    parallel.set_threads(1)
    try:
        monkeypatch.setattr(parallel, "_executor", lambda: pytest.fail("a worker was used with one thread"))
        a = np.ones(N, np.float32)
        np.testing.assert_array_equal(np.asarray(nr.asarray(a) + nr.asarray(a)), a + a)
    finally:
        parallel.set_threads(before)


def test_num_threads_variable(monkeypatch):
    from nr_core import settings
    monkeypatch.setenv("NR_NUM_THREADS", "3")
    assert settings.num_threads() == 3
    monkeypatch.setenv("NR_NUM_THREADS", "zero")
    with pytest.raises(ValueError, match="NR_NUM_THREADS"):
        settings.num_threads()


def test_a_forked_child_computes_without_the_parents_threads(two_threads):
    import multiprocessing as mp
    a = np.ones(N, np.float32)
    nr.asarray(a) + nr.asarray(a)  # the parent's pool exists now
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        res = pool.apply_async(_child_sum, (N,))
        assert res.get(timeout=30) == 2.0 * N


def _child_sum(n):
    a = nr.asarray(np.ones(n, np.float32))
    return float(np.asarray(a + a).sum(dtype=np.float64))


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_optimizer_updates_in_blocks_and_slabs_equal_one_piece(name, monkeypatch):
    import nr_nn as nn
    import nr_optim as optim
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((parallel.MIN_SLAB + 333,)).astype(np.float32)
    grads = [rng.standard_normal(w0.shape).astype(np.float32) for _ in range(3)]
    kw = {"SGD": dict(lr=0.1, momentum=0.9, nesterov=True), "RMSprop": dict(lr=0.01, centered=True, momentum=0.5)}
    results = []
    for n, block in ((1, 1 << 40), (1, parallel.BLOCK), (2, parallel.BLOCK)):
        before = parallel.threads()
        parallel.set_threads(n)
        monkeypatch.setattr(parallel, "BLOCK", block)
        try:
            p = nn.Parameter(nr.asarray(w0.copy()))
            opt = getattr(optim, name)([p], **kw.get(name, dict(lr=0.01)))
            for g in grads:
                p.grad = nr.asarray(g.copy())
                opt.step()
            results.append(np.asarray(p.detach()).copy())
        finally:
            parallel.set_threads(before)
    assert results[0].tobytes() == results[1].tobytes() == results[2].tobytes()
    assert not np.array_equal(results[0], w0)


def test_workers_follow_the_callers_error_state(two_threads):
    a = np.ones(N, np.float32)
    z = np.ones(N, np.float32)
    z[-10:-1] = 0.0  # only the worker's slab divides by zero
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            nr.asarray(a) / nr.asarray(z)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="ignore"):
            out = np.asarray(nr.asarray(a) / nr.asarray(z))
    assert np.isinf(out[-10:-1]).all() and (out[:-10] == 1.0).all()


def test_set_threads_refuses_nonsense():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="set_threads"):
            parallel.set_threads(bad)


@pytest.mark.parametrize("shape,axis", [((64, 16, 28, 28), (0, 2, 3)), ((64, 16, 28, 28), (0,)),
                                        ((64, 16, 28, 28), (-1, -2)), ((300, 1000), 0), ((1000, 300), -1),
                                        ((8, 40000), 1), ((40000, 8), 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_axis_sums_as_products_with_ones_are_as_accurate_as_numpys(shape, axis, keepdims):
    """Leading and trailing blocks of axes summed by BLAS (or, past the longest dot, by NumPy): shapes as
    NumPy's, errors within a small multiple of NumPy's own against float64."""
    x = (np.random.default_rng(2).standard_normal(shape) + 0.5).astype(np.float32)
    got = np.asarray(nr.sum(nr.asarray(x), axis=axis, keepdims=keepdims))
    ref = x.astype(np.float64).sum(axis=axis, keepdims=keepdims)
    numpy_err = np.abs(x.sum(axis=axis, keepdims=keepdims) - ref).max()
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.abs(got - ref).max() <= max(8 * numpy_err, 1e-6 * np.abs(ref).max())


def test_axis_sums_it_does_not_take_still_compute():
    x = np.random.default_rng(3).standard_normal((64, 16, 28, 28)).astype(np.float32)
    for axis in ((1,), (0, 2), (1, 3)):  # not a leading or trailing block
        np.testing.assert_allclose(np.asarray(nr.sum(nr.asarray(x), axis=axis)), x.sum(axis=axis), rtol=1e-5,
                                   atol=1e-4)
    t = x[:, :, ::2]  # not contiguous
    np.testing.assert_allclose(np.asarray(nr.sum(nr.asarray(t), axis=(0, 2, 3))), t.sum(axis=(0, 2, 3)), rtol=1e-5)
