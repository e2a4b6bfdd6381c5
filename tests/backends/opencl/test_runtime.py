"""Program and buffer caches, probing without pyopencl or a platform, device listing, fp64 refusal."""
from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

import nr_core as nr
from nr_backend_opencl.backend import OpenCLBackend
from nr_core.kernelgen.device.runtime import bucket


def test_same_expression_compiles_once_whatever_the_scalars(dev, rt):
    x = nr.asarray(np.arange(37, dtype=np.float32), device=dev)
    (x * 1.5 + 0.25).numpy()
    compiles, hits = rt.stats.compiles, rt.stats.program_hits
    out = (x * 3.0 + -2.0).numpy()  # same kernel, other constants: a cache hit, no build
    assert rt.stats.compiles == compiles
    assert rt.stats.program_hits == hits + 1
    np.testing.assert_allclose(out, np.arange(37, dtype=np.float32) * 3 - 2)


def test_new_expression_compiles(dev, rt):
    x = nr.asarray(np.ones(5, dtype=np.float32), device=dev)
    compiles = rt.stats.compiles
    nr.atan2(nr.hypot(x, x), x + 7.0).numpy()  # an op combination no other test builds
    assert rt.stats.compiles == compiles + 1


def test_freed_buffers_are_reused(dev, rt):
    host = np.ones((300, 300), dtype=np.float32)
    x = nr.asarray(host, device=dev)
    del x
    gc.collect()
    hits = rt.stats.alloc_hits
    y = nr.asarray(host, device=dev)
    assert rt.stats.alloc_hits == hits + 1
    np.testing.assert_array_equal(y.numpy(), host)


@pytest.mark.parametrize("n", [1, 255, 256, 257, 1000, 4096, 4097, 10**6])
def test_buckets_cover_the_request_with_at_most_a_quarter_spare(n):
    b = bucket(n)
    assert b >= n
    assert b <= max(256, n * 1.25)


def test_probe_explains_a_missing_platform(monkeypatch):
    import pyopencl as cl

    def no_platform():
        raise cl.LogicError("clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR")

    monkeypatch.setattr(cl, "get_platforms", no_platform)
    ok, reason = OpenCLBackend().probe()
    assert not ok
    assert "no OpenCL platform" in reason and 'pip install "pyopencl[pocl]"' in reason


def test_probe_explains_missing_pyopencl(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyopencl", None)  # makes `import pyopencl` raise ImportError
    ok, reason = OpenCLBackend().probe()
    assert not ok
    assert "pyopencl" in reason and "pocl" in reason


def test_plugin_module_does_not_import_pyopencl():
    import subprocess
    code = ("import sys, nr_backend_opencl.plugin, nr_backend_opencl.backend; "
            "print('pyopencl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_devices_cover_every_device_of_every_platform(backend):
    import pyopencl as cl
    expected = [d for p in cl.get_platforms() for d in p.get_devices()]
    assert [str(d) for d in backend.devices()] == [f"opencl:{i}" for i in range(len(expected))]
    names = backend.device_names()
    for i, d in enumerate(expected):
        assert d.name.strip() in names[nr.Device("opencl", i)]


def test_float64_is_refused_where_the_device_lacks_fp64(dev, rt, monkeypatch):
    monkeypatch.setattr(rt, "fp64", False)
    with pytest.raises(TypeError, match="float64"):
        nr.asarray([1.0, 2.0], dtype=nr.float64, device=dev)
    x = nr.asarray([1.0, 2.0], device=dev)
    with pytest.raises(TypeError, match="float64"):
        nr.astype(x, nr.float64)
    with pytest.raises(TypeError, match="float64"):
        nr.zeros(3, dtype=nr.float64, device=dev)
    with pytest.raises(TypeError, match="complex128"):
        nr.asarray([1j], dtype=nr.complex128, device=dev)


def test_float64_works_where_the_device_has_fp64(dev, rt):
    if not rt.fp64:
        pytest.skip("device without cl_khr_fp64")
    x = nr.asarray([1.0, 1e-12], dtype=nr.float64, device=dev)
    np.testing.assert_array_equal((x + 1.0).numpy(), np.array([2.0, 1.0 + 1e-12]))


def test_complex_lives_on_the_device_and_computes_on_the_host(dev):
    a = np.array([[1 + 2j, -3j], [0.5, 2 - 1j]], dtype=np.complex64)
    x = nr.asarray(a, device=dev)
    np.testing.assert_allclose((x * x + 1).numpy(), a * a + 1, rtol=1e-6)
    np.testing.assert_allclose(nr.abs(x).numpy(), np.abs(a), rtol=1e-6)
    np.testing.assert_array_equal(x.mT[::-1].numpy(), a.T[::-1])          # views and copies are native
    np.testing.assert_array_equal(x[nr.asarray([1, 1], device=dev)].numpy(), a[[1, 1]])
    x[0, 1] = 5 + 5j
    a[0, 1] = 5 + 5j
    np.testing.assert_array_equal(x.numpy(), a)
    np.testing.assert_allclose(nr.sum(x, axis=0).numpy(), a.sum(axis=0), rtol=1e-6)


def test_default_device_switch(monkeypatch):
    import subprocess
    code = "import nr_core as nr; print(nr.asarray([1.0]).device)"
    env = {**__import__("os").environ, "NR_DEFAULT_DEVICE": "opencl"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "opencl:0"
