"""``nr.linalg`` against NumPy's linalg: values, dtypes, stacks, errors, and the decompositions/host fallbacks
that backends without linalg kernels run."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
from _fallback_backend import fallback_device
from nr_core.dtypes import real_dtype

RNG = np.random.default_rng(1234)
DTYPES = [nr.float32, nr.float64, nr.complex64, nr.complex128]
TOL = {nr.float32: 2e-4, nr.float64: 1e-10, nr.complex64: 2e-4, nr.complex128: 1e-10}


def _rand(shape, dtype=nr.float64):
    a = RNG.normal(size=shape)
    if dtype.kind == "complex":
        a = a + 1j * RNG.normal(size=shape)
    return a.astype(dtype.numpy)


def _spd(shape, dtype=nr.float64):
    """Stacks of Hermitian positive-definite matrices."""
    a = _rand(shape, dtype)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1])).astype(dtype.numpy)


def _close(got, want, dtype=nr.float64):
    np.testing.assert_allclose(got.numpy(), want, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(dtype, upper):
    a = _spd((2, 4, 4), dtype)
    got = nr.linalg.cholesky(nr.asarray(a), upper=upper)
    want = np.linalg.cholesky(a)
    if upper:
        want = np.conj(np.swapaxes(want, -1, -2))
    assert got.dtype == dtype and got.shape == a.shape
    _close(got, want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_det_slogdet_inv(dtype):
    a = _rand((3, 4, 4), dtype) + 4 * np.eye(4, dtype=dtype.numpy)
    x = nr.asarray(a)
    _close(nr.linalg.det(x), np.linalg.det(a), dtype)
    sign, logabs = nr.linalg.slogdet(x)
    want = np.linalg.slogdet(a)
    assert sign.dtype == dtype and logabs.dtype == real_dtype(dtype)
    _close(sign, want.sign, dtype)
    _close(logabs, want.logabsdet, dtype)
    _close(nr.linalg.inv(x), np.linalg.inv(a), dtype)


def test_slogdet_is_a_named_tuple_with_real_logabsdet():
    res = nr.linalg.slogdet(nr.asarray(_rand((3, 3), nr.complex64)))
    assert type(res).__name__ == "SlogdetResult" and res[0] is res.sign and res[1] is res.logabsdet
    assert res.logabsdet.dtype == nr.float32


@pytest.mark.parametrize("dtype", DTYPES)
def test_eigh_and_eigvalsh(dtype):
    a = _spd((2, 5, 5), dtype)
    w, v = nr.linalg.eigh(nr.asarray(a))
    assert w.dtype == real_dtype(dtype) and v.dtype == dtype
    _close(w, np.linalg.eigvalsh(a), dtype)
    # eigenvectors are unique up to phase: check A v = v diag(w) instead
    av = a @ v.numpy()
    np.testing.assert_allclose(av, v.numpy() * w.numpy()[..., None, :], rtol=1e-3, atol=1e-3 * 10)
    _close(nr.linalg.eigvalsh(nr.asarray(a)), np.linalg.eigvalsh(a), dtype)


@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr(mode):
    a = _rand((2, 5, 3))
    q, r = nr.linalg.qr(nr.asarray(a), mode=mode)
    wq, wr = np.linalg.qr(a, mode=mode)
    _close(q, wq)
    _close(r, wr)
    np.testing.assert_allclose(q.numpy() @ r.numpy(), a, atol=1e-12)


@pytest.mark.parametrize("full", [True, False])
def test_svd_svdvals(full):
    a = _rand((2, 4, 6), nr.complex128)
    u, s, vh = nr.linalg.svd(nr.asarray(a), full_matrices=full)
    assert (u.shape, s.shape, vh.shape) == ((2, 4, 4), (2, 4), (2, 6, 6) if full else (2, 4, 6))
    assert s.dtype == nr.float64 and u.dtype == nr.complex128
    _close(s, np.linalg.svd(a, compute_uv=False))
    _close(nr.linalg.svdvals(nr.asarray(a)), np.linalg.svd(a, compute_uv=False))
    k = min(a.shape[-2:])
    np.testing.assert_allclose((u.numpy()[..., :k] * s.numpy()[..., None, :]) @ vh.numpy()[..., :k, :], a,
                               atol=1e-12)


def test_solve_matrix_and_vector_right_hand_sides():
    a = _rand((3, 4, 4)) + 4 * np.eye(4)
    b = _rand((3, 4, 2))
    _close(nr.linalg.solve(nr.asarray(a), nr.asarray(b)), np.linalg.solve(a, b))
    v = _rand((4,))
    got = nr.linalg.solve(nr.asarray(a), nr.asarray(v))
    assert got.shape == (3, 4)
    _close(got, np.linalg.solve(a, v))
    # float32 with float64 promotes
    assert nr.linalg.solve(nr.asarray(a, dtype=nr.float32), nr.asarray(b)).dtype == nr.float64


def test_pinv_and_matrix_rank_with_default_and_array_rtol():
    a = _rand((2, 5, 3)) @ _rand((3, 4))  # rank 3
    x = nr.asarray(a)
    _close(nr.linalg.pinv(x), np.linalg.pinv(a))
    rank = nr.linalg.matrix_rank(x)
    assert rank.dtype == nr.int64 and rank.tolist() == [3, 3]
    s = np.linalg.svd(a, compute_uv=False)
    rtol = nr.asarray([1e-9, float(s[1, 1] / s[1, 0]) * 1.0001], dtype=nr.float64)  # stack 2 drops two values
    assert nr.linalg.matrix_rank(x, rtol=rtol).tolist() == [3, 1]
    assert nr.linalg.matrix_rank(x, rtol=0.5).tolist() == np.linalg.matrix_rank(a, rtol=0.5).tolist()


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power(n):
    a = _rand((2, 3, 3)) + 3 * np.eye(3)
    _close(nr.linalg.matrix_power(nr.asarray(a), n), np.linalg.matrix_power(a, n))


@pytest.mark.parametrize("axis", [-1, -2])
def test_cross_broadcasts_other_axes(axis):
    a = _rand((4, 3, 3))
    b = _rand((3, 3))
    got = nr.linalg.cross(nr.asarray(a), nr.asarray(b), axis=axis)
    _close(got, np.cross(a, b, axis=axis))


def test_outer_diagonal_trace():
    a, b = _rand((3,)), _rand((4,))
    _close(nr.linalg.outer(nr.asarray(a), nr.asarray(b)), np.outer(a, b))
    m = np.arange(24).reshape(2, 3, 4)
    x = nr.asarray(m)
    for off in (-3, -1, 0, 2, 4, 7):
        assert nr.linalg.diagonal(x, offset=off).tolist() == np.diagonal(m, off, -2, -1).tolist()
        got = nr.linalg.trace(x, offset=off)
        assert got.dtype == nr.int64 and got.tolist() == np.trace(m, off, -2, -1).tolist()
    assert nr.linalg.trace(nr.asarray(m, dtype=nr.int8), dtype=nr.float64).dtype == nr.float64


@pytest.mark.parametrize("ord", [2, 1, 0, -1, -2, 3.5, float("inf"), float("-inf")])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_vector_norm(ord, axis):
    a = _rand((3, 4, 5), nr.complex128)
    a[0, 0, 0] = 0  # a zero element exercises ord = 0 and the negative orders
    got = nr.linalg.vector_norm(nr.asarray(a), axis=axis, ord=ord, keepdims=True)
    flat_axes = tuple(range(3)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    moved = np.moveaxis(a, flat_axes, tuple(range(-len(flat_axes), 0)))
    with np.errstate(divide="ignore"):  # NumPy's own negative orders divide by the zero element
        want = np.linalg.norm(moved.reshape(moved.shape[:moved.ndim - len(flat_axes)] + (-1,)), ord=ord, axis=-1)
    want = np.expand_dims(want, flat_axes)
    assert got.dtype == nr.float64 and got.shape == want.shape
    _close(got, want)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, 2, -1, -2, float("inf"), float("-inf")])
def test_matrix_norm(ord):
    a = _rand((2, 3, 4), nr.complex64)
    got = nr.linalg.matrix_norm(nr.asarray(a), ord=ord, keepdims=True)
    assert got.dtype == nr.float32 and got.shape == (2, 1, 1)
    _close(got, np.linalg.norm(a, ord=ord, axis=(-2, -1), keepdims=True), nr.complex64)


def test_main_namespace_functions_are_reexported():
    for name in ("matmul", "tensordot", "vecdot", "matrix_transpose"):
        assert getattr(nr.linalg, name) is getattr(nr, name)
    import nr_core.linalg
    assert nr_core.linalg is nr.linalg


@pytest.mark.parametrize("call, exc, match", [
    (lambda: nr.linalg.inv(nr.asarray([[1, 2], [3, 4]])), TypeError, r"inv: dtype int64"),
    (lambda: nr.linalg.inv(nr.ones((2, 3))), ValueError, r"linalg.inv: .*square.*\(2, 3\)"),
    (lambda: nr.linalg.det(nr.ones((3,))), ValueError, r"linalg.det: .*2 dimensions.*\(3,\)"),
    (lambda: nr.linalg.cross(nr.ones((2, 4)), nr.ones((2, 4))), ValueError, r"linalg.cross: .*size 3"),
    (lambda: nr.linalg.cross(nr.ones((3,)), nr.ones((2, 3)), axis=0), ValueError, r"linalg.cross: axis 0"),
    (lambda: nr.linalg.solve(nr.ones((3, 3)), nr.ones((2, 1))), ValueError, r"linalg.solve: .*not aligned"),
    (lambda: nr.linalg.outer(nr.ones((2, 2)), nr.ones(2)), ValueError, r"linalg.outer: .*1-D"),
    (lambda: nr.linalg.matrix_norm(nr.ones((2, 2)), ord=3), ValueError, r"matrix_norm: ord must be"),
    (lambda: nr.linalg.vector_norm(nr.ones(2), ord="fro"), ValueError, r"vector_norm: ord must be"),
    (lambda: nr.linalg.qr(nr.ones((2, 2)), mode="raw"), ValueError, r"linalg.qr: mode"),
    (lambda: nr.linalg.matrix_power(nr.ones((2, 2)), 1.5), TypeError, r"matrix_power: n must be an int"),
    (lambda: nr.linalg.pinv(nr.ones((2, 2)), rtol="x"), TypeError, r"linalg.pinv: rtol"),
    (lambda: nr.linalg.solve(nr.ones((2, 2)), nr.ones(2, device="cpu:1")), ValueError, r"different devices"),
])
def test_bad_input_is_refused_with_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_decompositions_and_host_fallbacks_on_a_backend_without_kernels():
    a = _rand((2, 3, 3)) + 3 * np.eye(3)
    b = _rand((2, 3, 3))
    with fallback_device() as dev:
        x, y = nr.asarray(a, device=dev), nr.asarray(b, device=dev)
        outs = {
            "inv": (nr.linalg.inv(x), np.linalg.inv(a)),
            "det": (nr.linalg.det(x), np.linalg.det(a)),
            "solve": (nr.linalg.solve(x, y), np.linalg.solve(a, b)),
            "svdvals": (nr.linalg.svdvals(x), np.linalg.svd(a, compute_uv=False)),
            "pinv": (nr.linalg.pinv(x), np.linalg.pinv(a)),
            "matrix_rank": (nr.linalg.matrix_rank(x), np.linalg.matrix_rank(a)),
            "matrix_power": (nr.linalg.matrix_power(x, -2), np.linalg.matrix_power(a, -2)),
            "matrix_norm": (nr.linalg.matrix_norm(x, ord="nuc"), np.linalg.norm(a, "nuc", axis=(-2, -1))),
            "matrix_norm_inf": (nr.linalg.matrix_norm(x, ord=float("inf")), np.linalg.norm(a, np.inf, (-2, -1))),
            "vector_norm": (nr.linalg.vector_norm(x, ord=3, axis=(1, 2)),
                            np.sum(np.abs(a) ** 3, axis=(1, 2)) ** (1 / 3)),
            "trace": (nr.linalg.trace(x, offset=1), np.trace(a, 1, -2, -1)),
            "diagonal": (nr.linalg.diagonal(x, offset=-1), np.diagonal(a, -1, -2, -1)),
            "outer": (nr.linalg.outer(x[0, 0], y[0, 1]), np.outer(a[0, 0], b[0, 1])),
            "cross": (nr.linalg.cross(x, y, axis=-2), np.cross(a, b, axis=-2)),
            "cholesky": (nr.linalg.cholesky(nr.asarray(_spd((3, 3)), device=dev)), None),
        }
        for name, (got, want) in outs.items():
            assert str(got.device) == dev, name
            if want is not None:
                np.testing.assert_allclose(got.numpy(), want, rtol=1e-9, atol=1e-9, err_msg=name)
        q, r = nr.linalg.qr(x)
        assert str(q.device) == dev and type(nr.linalg.qr(x)).__name__ == "QRResult"
        np.testing.assert_allclose(q.numpy() @ r.numpy(), a, atol=1e-12)


def test_host_fallback_refuses_to_loop_on_the_host():
    from nr_core.optable import DECOMPOSITIONS
    with pytest.raises(RuntimeError, match=r"linalg.inv: .*already on the host"):
        DECOMPOSITIONS["inv"](nr.eye(2))
