"""The dask backend joins as a third party: only through its entry point, with the device and capabilities it
declares."""
import importlib.metadata as md
import subprocess
import sys

import numpy as np
import pytest

import nr_core as nr


def test_found_only_through_its_entry_point():
    eps = [ep for ep in md.entry_points(group="nr.backends") if ep.name == "dask"]
    assert [ep.value for ep in eps] == ["nr_backend_dask.plugin"]
    assert eps[0].dist.metadata["Name"] == "nr-backend-dask"
    status = {s.name: s for s in nr.backends()}["dask"]
    assert status.available and status.distribution == "nr-backend-dask"
    assert [str(d) for d in status.devices] == ["dask:0"]


def test_import_nr_core_imports_neither_dask_nor_the_plugin():
    code = ("import sys, nr_core; print(any(m == 'dask' or m.startswith(('dask.', 'nr_backend_dask')) "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_device_string_and_capabilities(dev):
    x = nr.asarray([1.0, 2.0], device="dask")
    assert str(x.device) == dev and x.device is nr.Device("dask", 0)
    info = nr.__array_namespace_info__()
    assert nr.Device("dask", 0) in info.devices()
    caps = x._backend.capabilities
    assert caps.chunks and not caps.data_dependent_shapes and not caps.inplace_out


def test_data_dependent_shapes_are_refused_by_the_frontend(dev):
    x = nr.asarray([1.0, 0.0, 3.0], device=dev)
    with pytest.raises(TypeError, match="data-dependent"):
        nr.nonzero(x)
    with pytest.raises(TypeError, match="data-dependent"):
        nr.unique_values(x)
    with pytest.raises(TypeError, match="boolean-mask"):
        x[x > 0]


def test_writes_through_boolean_masks_keep_their_shape_and_work(dev):
    h = np.arange(12.0).reshape(3, 4)
    x = nr.asarray(h, device=dev, chunks=(1, 4))
    x[x > 5] = -1.0
    x[nr.asarray([True, False, False], device=dev)] = 7.0
    x[x < 0] = nr.asarray([10.0, 11.0, 12.0, 13.0, 14.0, 15.0], device=dev)
    want = h.copy()
    want[want > 5] = -1.0
    want[np.array([True, False, False])] = 7.0
    want[want < 0] = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    np.testing.assert_array_equal(x.numpy(), want)


def test_values_match_numpy_across_dtypes(dev):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 7))
    for dt in (np.float32, np.float64, np.int32, np.uint8, np.complex64):
        h = (a * 3).astype(dt)
        x = nr.asarray(h, device=dev, chunks=(2, 3))
        assert x.dtype is nr._dtypes.from_numpy_dtype(np.dtype(dt))
        np.testing.assert_array_equal(x.numpy(), h)
        np.testing.assert_allclose((x + x).sum(axis=0).numpy(), (h + h).sum(axis=0), rtol=1e-6)
