"""The namespace as array-API consumers see it: inspection API, ``asarray(copy=)``, ``device=`` on every creation
function, signatures, and recognition by array-api-compat."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import nr_core as nr


def test_inspection_namespace():
    info = nr.__array_namespace_info__()
    caps = info.capabilities()
    assert caps["boolean indexing"] is True and caps["data-dependent shapes"] is True
    assert caps["max dimensions"] >= 8
    assert info.default_device() == nr.Device("cpu", 0)
    assert info.default_dtypes() == {"real floating": nr.float32, "complex floating": nr.complex64,
                                     "integral": nr.int64, "indexing": nr.int64}
    assert info.default_dtypes(device="cpu") == info.default_dtypes()
    devices = info.devices()
    assert isinstance(devices, list) and nr.Device("cpu", 0) in devices
    # the standard's dtypes only: float16 and bfloat16 are extensions, not listed (consumers iterate over it)
    assert list(info.dtypes()) == ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                                   "float32", "float64", "complex64", "complex128"]
    assert info.dtypes(kind="real floating") == {"float32": nr.float32, "float64": nr.float64}
    assert set(info.dtypes(kind=("bool", "unsigned integer"))) == {"bool", "uint8", "uint16", "uint32", "uint64"}
    assert set(info.dtypes(kind="numeric")) == set(info.dtypes()) - {"bool"}


def test_inspection_rejects_unknown_devices():
    with pytest.raises(nr.DeviceUnavailableError, match="nosuchkind"):
        nr.__array_namespace_info__().dtypes(device="nosuchkind")


class TestAsarrayCopy:
    def test_none_shares_host_memory_when_it_can(self):
        a = np.ones(3, np.float32)
        x = nr.asarray(a)
        a[0] = 5
        assert x[0] == 5

    def test_true_always_copies(self):
        a = np.ones(3, np.float32)
        x = nr.asarray(a, copy=True)
        a[0] = 5
        assert x[0] == 1
        y = nr.asarray(x, copy=True)
        y[1] = 7
        assert x[1] == 1

    def test_false_never_copies(self):
        a = np.ones(3, np.float32)
        x = nr.asarray(a, copy=False)
        a[0] = 5
        assert x[0] == 5
        assert nr.asarray(x, copy=False) is x

    @pytest.mark.parametrize("obj, kw, match", [
        ([1.0, 2.0], {}, "impossible for Python scalars and sequences"),
        (np.ones(2, np.float32), {"dtype": nr.float64}, "casting float32 to float64 needs a copy"),
    ])
    def test_false_raises_when_a_copy_is_needed(self, obj, kw, match):
        with pytest.raises(ValueError, match=match):
            nr.asarray(obj, copy=False, **kw)

    def test_false_raises_across_devices(self):
        with pytest.raises(ValueError, match=r"copy=False but the array is on cpu, not cpu:1"):
            nr.asarray(nr.ones(2), device="cpu:1", copy=False)

    @pytest.mark.parametrize("value, dtype", [(0, nr.int64), (0.0, nr.float32), (0j, nr.complex64), (True, nr.bool)])
    def test_python_scalars_get_the_default_dtypes(self, value, dtype):
        assert nr.asarray(value).dtype == dtype


CREATION = {
    "asarray": lambda d: nr.asarray([1, 2], device=d),
    "arange": lambda d: nr.arange(3, device=d),
    "empty": lambda d: nr.empty((2,), device=d),
    "empty_like": lambda d: nr.empty_like(nr.ones(2), device=d),
    "eye": lambda d: nr.eye(2, device=d),
    "full": lambda d: nr.full((2,), 3.0, device=d),
    "full_like": lambda d: nr.full_like(nr.ones(2), 3.0, device=d),
    "linspace": lambda d: nr.linspace(0, 1, 5, device=d),
    "ones": lambda d: nr.ones((2,), device=d),
    "ones_like": lambda d: nr.ones_like(nr.ones(2), device=d),
    "zeros": lambda d: nr.zeros((2,), device=d),
    "zeros_like": lambda d: nr.zeros_like(nr.ones(2), device=d),
    "from_dlpack": lambda d: nr.from_dlpack(np.ones(2), device=d),
    "fft.fftfreq": lambda d: nr.fft.fftfreq(4, device=d),
    "fft.rfftfreq": lambda d: nr.fft.rfftfreq(4, device=d),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_every_creation_function_takes_device(name):
    out = CREATION[name]("cpu:1")
    assert out.device == nr.Device("cpu", 1)
    assert str(CREATION[name](None).device) == "cpu"


def test_like_functions_default_to_the_input_device():
    x = nr.ones(2, device="cpu:1")
    for fn in (nr.zeros_like, nr.ones_like, nr.empty_like):
        assert fn(x).device == x.device
    assert nr.full_like(x, 2).device == x.device


@pytest.mark.parametrize("fn, layout", [
    (nr.add, [("x1", "POSITIONAL_ONLY"), ("x2", "POSITIONAL_ONLY")]),
    (nr.exp, [("x", "POSITIONAL_ONLY")]),
    (nr.linalg.svd, [("x", "POSITIONAL_ONLY"), ("full_matrices", "KEYWORD_ONLY")]),
    (nr.linalg.matrix_power, [("x", "POSITIONAL_ONLY"), ("n", "POSITIONAL_ONLY")]),
    (nr.fft.fftn, [("x", "POSITIONAL_ONLY"), ("s", "KEYWORD_ONLY"), ("axes", "KEYWORD_ONLY"),
                   ("norm", "KEYWORD_ONLY")]),
    (nr.expand_dims, [("x", "POSITIONAL_ONLY"), ("axis", "POSITIONAL_OR_KEYWORD")]),
])
def test_signatures_follow_the_standard(fn, layout):
    params = inspect.signature(fn).parameters.values()
    assert [(p.name, p.kind.name) for p in params] == layout


def test_finfo_of_complex_dtypes_describes_the_real_components():
    assert nr.finfo(nr.complex64).dtype == nr.float32
    assert nr.finfo(nr.complex128).dtype == nr.float64
    assert nr.finfo(nr.complex64).eps == float(np.finfo(np.float32).eps)


def test_zero_dimensional_results_are_writable_arrays():
    x = nr.asarray([1.0, 2.0])
    s = x[0]
    s[...] = 9.0  # a 0-d view of x, as in PyTorch
    assert x.tolist() == [9.0, 2.0]
    total = nr.sum(x)
    total[()] = 1.0
    assert float(total) == 1.0
    assert np.asarray(nr.sum(x)).shape == ()


def test_clip_broadcasts_with_array_bounds():
    out = nr.clip(nr.asarray([0.0, 5.0]), min=nr.asarray([[1.0], [2.0]]), max=4.0)
    assert out.shape == (2, 2) and out.tolist() == [[1.0, 4.0], [2.0, 4.0]]


def test_array_api_compat_accepts_nr_arrays():
    compat = pytest.importorskip("array_api_compat")
    x = nr.ones((2, 2))
    assert compat.is_array_api_obj(x)
    assert compat.array_namespace(x) is nr
    assert compat.array_namespace(x, nr.zeros(1)) is nr
    assert compat.device(x) == x.device
