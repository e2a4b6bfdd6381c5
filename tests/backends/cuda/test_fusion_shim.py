"""The CUDA backend's fusion layer without a GPU: ``fake_cupy`` compiles the generated CUDA C with g++ through a
host shim and runs it over host memory, so fused chains, realisation into CuPy-style arrays and the ordering
of writes after pending reads are checked against NumPy here; on a GPU the kit covers the real thing."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

import fake_cupy as cp
from nr_backend_cuda.fusion import CudaRuntime, fusing_kernels, realized
from nr_core.kernelgen.device.lazy import LazyArray

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="the CUDA host shim needs g++")


def _np_kernel(fn):
    """A CuPy-style base kernel: NumPy on the arrays' host views, the result as a fake CuPy array."""
    def kernel(*args, out=None, **kw):
        views = [a.view if isinstance(a, cp.ndarray) else a for a in args]
        if out is not None:
            fn(*views, out=out.view, **kw)
            return out
        return cp.asarray(np.asarray(fn(*views, **kw)))
    return kernel


def _setitem(x, value, key):
    x.view[key] = value.view if isinstance(value, cp.ndarray) else value
    return x


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    cp.RawModule.cache = tmp_path_factory.mktemp("fake-cupy")
    rt = CudaRuntime(cp, 0)
    base = {name: _np_kernel(getattr(np, name)) for name in
            ("add", "multiply", "subtract", "exp", "greater", "floor_divide", "maximum", "sum")}
    base["relu"] = _np_kernel(lambda x, out=None: np.maximum(x, 0, out=out))
    base["setitem"] = _setitem
    table = fusing_kernels(cp, base, lambda arr: rt)
    table["rt"] = rt
    return table


def _host(x) -> np.ndarray:
    return realized(x).get()


def _launches(fn):
    before = cp.RawModule.launches
    out = fn()
    return out, cp.RawModule.launches - before


def test_a_times_b_plus_c_is_one_generated_kernel(k):
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((33, 17)).astype(np.float32) for _ in range(3))
    x, y, z = (cp.asarray(v) for v in (a, b, c))
    expr = k["add"](k["multiply"](x, y), z)
    assert isinstance(expr, LazyArray)
    out, n = _launches(lambda: _host(expr))
    assert n == 1
    np.testing.assert_allclose(out, a * b + c, rtol=1e-6)


def test_bias_activation_chain_broadcasts_in_one_kernel(k):
    rng = np.random.default_rng(1)
    h, bias = rng.standard_normal((8, 10)).astype(np.float32), rng.standard_normal(10).astype(np.float32)
    expr = k["multiply"](k["relu"](k["add"](cp.asarray(h), cp.asarray(bias))), np.float32(0.5))
    out, n = _launches(lambda: _host(expr))
    assert n == 1
    np.testing.assert_allclose(out, np.maximum(h + bias, 0) * np.float32(0.5), rtol=1e-6)


def test_integer_and_bool_results_follow_numpy(k):
    a = np.array([7, -7, 7, -7, 0, 5], np.int64)
    b = np.array([2, 2, -2, -2, 3, 0], np.int64)
    x, y = cp.asarray(a), cp.asarray(b)
    np.testing.assert_array_equal(_host(k["floor_divide"](x, y)), np.where(b == 0, 0, a // np.where(b == 0, 1, b)))
    g = _host(k["greater"](x, y))
    assert g.dtype == np.bool_
    np.testing.assert_array_equal(g, a > b)


def test_other_kernels_get_realised_operands(k):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    s = k["sum"](k["exp"](cp.asarray(a)), axis=1)
    assert isinstance(s, cp.ndarray)
    np.testing.assert_allclose(s.get(), np.exp(a).sum(axis=1), rtol=1e-6)


def test_a_write_runs_the_pending_readers_of_that_memory_first(k):
    a = np.arange(5, dtype=np.float32)
    x = cp.asarray(a)
    y = k["multiply"](x, np.float32(2))        # pending: reads x
    k["setitem"](x, np.float32(0), (slice(None),))
    np.testing.assert_array_equal(_host(y), a * 2)
    np.testing.assert_array_equal(x.get(), np.zeros(5, np.float32))


def test_in_place_out_is_eager_and_ordered(k):
    a, b = np.arange(4, dtype=np.float32), np.ones(4, np.float32)
    x, y = cp.asarray(a), cp.asarray(b)
    pending = k["add"](x, np.float32(10))      # reads x before the in-place write below
    res = k["add"](x, y, out=x)
    assert res is x
    np.testing.assert_array_equal(x.get(), a + b)
    np.testing.assert_array_equal(_host(pending), a + 10)


def test_views_share_one_storage_per_allocation(k):
    x = cp.asarray(np.arange(10, dtype=np.float32))
    rt = k["rt"]
    v = cp.ndarray((5,), np.float32, memptr=x.data + 8, strides=(4,))
    assert rt.wrap(v).storage is rt.wrap(x).storage and rt.wrap(v).offset == 2
    np.testing.assert_array_equal(_host(k["add"](v, v)), np.arange(2, 7, dtype=np.float32) * 2)
