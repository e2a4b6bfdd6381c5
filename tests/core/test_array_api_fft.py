"""``nr.fft`` against NumPy's fft: values, dtypes (precision kept), lengths/axes/norms, errors, and the
decompositions/host fallbacks that backends without fft kernels run."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
from _fallback_backend import fallback_device

RNG = np.random.default_rng(7)
NORMS = ["backward", "ortho", "forward"]


def _c(shape, dtype=np.complex128):
    return (RNG.normal(size=shape) + 1j * RNG.normal(size=shape)).astype(dtype)


def _r(shape, dtype=np.float64):
    return RNG.normal(size=shape).astype(dtype)


def _close(got, want, rtol=1e-10):
    np.testing.assert_allclose(got.numpy(), want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", ["fft", "ifft"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n, axis", [(None, -1), (5, 0), (12, 1)])
def test_complex_1d_transforms(name, norm, n, axis):
    a = _c((4, 8))
    got = getattr(nr.fft, name)(nr.asarray(a), n=n, axis=axis, norm=norm)
    assert got.dtype == nr.complex128
    _close(got, getattr(np.fft, name)(a, n=n, axis=axis, norm=norm))


@pytest.mark.parametrize("name", ["fftn", "ifftn"])
@pytest.mark.parametrize("s, axes", [(None, None), ((3, 10), (0, 2)), (None, (1,)), ((4, 4), None)])
def test_complex_nd_transforms(name, s, axes):
    a = _c((3, 4, 6))
    got = getattr(nr.fft, name)(nr.asarray(a), s=s, axes=axes, norm="ortho")
    np_axes = axes if axes is not None else (None if s is None else tuple(range(3 - len(s), 3)))
    _close(got, getattr(np.fft, name)(a, s=s, axes=np_axes, norm="ortho"))


@pytest.mark.parametrize("norm", NORMS)
def test_real_transforms_and_their_inverses(norm):
    a = _r((5, 6))
    spec = nr.fft.rfft(nr.asarray(a), norm=norm)
    assert spec.dtype == nr.complex128 and spec.shape == (5, 4)
    _close(spec, np.fft.rfft(a, norm=norm))
    back = nr.fft.irfft(spec, n=6, norm=norm)
    assert back.dtype == nr.float64
    _close(back, a)
    spec2 = nr.fft.rfftn(nr.asarray(a), norm=norm)
    _close(spec2, np.fft.rfftn(a, norm=norm))
    _close(nr.fft.irfftn(spec2, s=(5, 6), norm=norm), a)
    h = _c((7,))
    _close(nr.fft.hfft(nr.asarray(h), norm=norm), np.fft.hfft(h, norm=norm))
    _close(nr.fft.ihfft(nr.asarray(a), norm=norm), np.fft.ihfft(a, norm=norm))


def test_single_precision_stays_single_precision():
    a32 = _c((16,), np.complex64)
    out = nr.fft.fft(nr.asarray(a32))
    assert out.dtype == nr.complex64
    _close(out, np.fft.fft(a32.astype(np.complex128)), rtol=1e-4)
    assert nr.fft.rfft(nr.asarray(_r((8,), np.float32))).dtype == nr.complex64
    assert nr.fft.irfft(nr.asarray(a32)).dtype == nr.float32
    assert nr.fft.hfft(nr.asarray(a32)).dtype == nr.float32


def test_real_input_to_complex_transforms_is_promoted():
    a = _r((6,), np.float32)
    out = nr.fft.fft(nr.asarray(a))
    assert out.dtype == nr.complex64
    _close(out, np.fft.fft(a.astype(np.float64)), rtol=1e-5)


@pytest.mark.parametrize("n", [1, 2, 7, 8])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_frequencies(n, d):
    f = nr.fft.fftfreq(n, d=d)
    assert f.dtype == nr.float32  # the default real floating dtype
    _close(f, np.fft.fftfreq(n, d), rtol=1e-6)
    r = nr.fft.rfftfreq(n, d=d, dtype=nr.float64, device="cpu")
    assert r.dtype == nr.float64
    _close(r, np.fft.rfftfreq(n, d))
    assert str(nr.fft.fftfreq(n, device="cpu:1").device) == "cpu:1"


@pytest.mark.parametrize("axes", [None, 0, (1,), (0, 1)])
def test_shifts_invert_each_other(axes):
    a = np.arange(35.0).reshape(5, 7)
    x = nr.asarray(a)
    _close(nr.fft.fftshift(x, axes=axes), np.fft.fftshift(a, axes=axes))
    _close(nr.fft.ifftshift(x, axes=axes), np.fft.ifftshift(a, axes=axes))
    _close(nr.fft.ifftshift(nr.fft.fftshift(x, axes=axes), axes=axes), a)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: nr.fft.fft(nr.asarray([1, 2, 3])), TypeError, r"fft: dtype int64"),
    (lambda: nr.fft.rfft(nr.asarray([1j, 2j])), TypeError, r"rfft: dtype complex64"),
    (lambda: nr.fft.fft(nr.asarray(1j)), ValueError, r"fft.fft: .*0-d"),
    (lambda: nr.fft.fft(nr.asarray([1j, 2j]), n=0), ValueError, r"fft.fft: the transform length must be at least 1"),
    (lambda: nr.fft.irfft(nr.asarray([1j])), ValueError, r"fft.irfft: the transform length"),
    (lambda: nr.fft.fft(nr.asarray([1j]), norm="none"), ValueError, r"fft.fft: norm must be one of"),
    (lambda: nr.fft.fft(nr.asarray([1j]), axis=1), IndexError, r"fft.fft: axis 1 is out of bounds"),
    (lambda: nr.fft.fftn(nr.ones((2, 2), dtype=nr.complex64), s=(2, 2, 2), axes=(0, 1)), ValueError,
     r"fft.fftn: s .* and axes .* differ in length"),
    (lambda: nr.fft.fftfreq(0), ValueError, r"fft.fftfreq: n must be a positive int"),
    (lambda: nr.fft.fftfreq(4, dtype=nr.int32), TypeError, r"fft.fftfreq: dtype must be a real floating"),
])
def test_bad_input_is_refused_with_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_host_fallback_and_decompositions_on_a_backend_without_kernels():
    a = _c((4, 6))
    with fallback_device() as dev:
        x = nr.asarray(a, device=dev)
        checks = [
            (nr.fft.fft(x, axis=0, norm="ortho"), np.fft.fft(a, axis=0, norm="ortho")),
            (nr.fft.irfftn(x, s=(4, 10)), np.fft.irfftn(a, s=(4, 10), axes=(0, 1))),
            (nr.fft.fftshift(x, axes=(1,)), np.fft.fftshift(a, axes=(1,))),
            (nr.fft.ifftshift(x), np.fft.ifftshift(a)),
            (nr.fft.fftfreq(9, d=0.5, dtype=nr.float64, device=dev), np.fft.fftfreq(9, 0.5)),
            (nr.fft.rfftfreq(9, d=0.5, dtype=nr.float64, device=dev), np.fft.rfftfreq(9, 0.5)),
        ]
        for got, want in checks:
            assert str(got.device) == dev
            _close(got, want)


def test_devices_without_complex_dtypes_refuse_before_any_work():
    with fallback_device(real_only=True) as dev:
        x = nr.ones(4, device=dev)
        for fn in (nr.fft.fft, nr.fft.rfft, nr.fft.ihfft):
            with pytest.raises(TypeError, match=rf"fft.{fn.__name__}: dtype complex64 is not supported on device {dev}"):
                fn(x)
        assert nr.fft.fftshift(x).tolist() == [1.0] * 4


def test_fft_is_importable_as_a_submodule():
    import nr_core.fft
    assert nr_core.fft is nr.fft
