"""The ``fft`` extension of the array API 2024.12 (``nr.fft``): discrete Fourier transforms, frequencies, shifts.

Real floating input to the complex transforms is promoted to the complex dtype of its precision (as NumPy and
PyTorch do); results keep the input's precision.
"""
from __future__ import annotations

import operator

from .. import dtypes as _d
from ..dispatch import apply, create
from ..errors import bad_dtype
from ..optable import OPS
from ..plugins import REGISTRY
from ..shapes import normalize_axes, normalize_axis
from ..array_object import Tensor
from ._checks import array
from .data_types import astype

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]

_NORMS = ("backward", "ortho", "forward")
# which side of the transform is complex: "c2c" keeps the dtype, "r2c" makes it complex, "c2r" real
_FAMILY = {"fft": "c2c", "ifft": "c2c", "fftn": "c2c", "ifftn": "c2c", "rfft": "r2c", "rfftn": "r2c",
           "ihfft": "r2c", "irfft": "c2r", "irfftn": "c2r", "hfft": "c2r"}


def _input(name: str, x) -> tuple:
    """(op, x cast to the transform's input dtype, result dtype)."""
    op = OPS[name]
    array(x, f"fft.{name}")
    family = _FAMILY[name]
    dt = _d.complex_dtype(x._dtype) if family != "r2c" and x._dtype.kind == "float" else x._dtype
    if dt not in op.accepts:
        raise bad_dtype(op, x._dtype)
    if x.ndim == 0:
        raise ValueError(f"fft.{name}: needs an array of at least one dimension, got a 0-d array")
    out = {"c2c": dt, "r2c": _d.complex_dtype(dt), "c2r": _d.real_dtype(dt)}[family]
    for need in (dt, out):
        if not x._backend.supports_dtype(need, x._device):
            raise TypeError(f"fft.{name}: dtype {need.name} is not supported on device {x._device}")
    if dt is not x._dtype:
        x = astype(x, dt)
    return op, x, out


def _norm(name: str, norm: str) -> str:
    if norm not in _NORMS:
        raise ValueError(f"fft.{name}: norm must be one of {_NORMS}, got {norm!r}")
    return norm


def _length(name: str, n, default: int) -> int:
    """A transform length: ``n`` (or ``default`` where ``n`` is None or -1), which must be positive."""
    if n is None or n == -1:
        n = default
    if isinstance(n, bool):
        raise TypeError(f"fft.{name}: a transform length must be an int, got {n!r}")
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"fft.{name}: the transform length must be at least 1, got {n}")
    return n


def _c2r_default(m: int) -> int:
    return 2 * (m - 1)


def _one_axis(name: str, x, n, axis: int, norm: str):
    op, x, out = _input(name, x)
    axis = normalize_axis(axis, x.ndim, f"fft.{name}")
    m = x.shape[axis]
    n = _length(name, n, _c2r_default(m) if _FAMILY[name] == "c2r" else m)
    return apply(op, (x,), {"n": n, "axis": axis, "norm": _norm(name, norm)}, out)


def _many_axes(name: str, x, s, axes, norm: str):
    op, x, out = _input(name, x)
    if axes is None:
        axes = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
    axes = normalize_axes(axes, x.ndim, f"fft.{name}")
    if s is None:
        s = (-1,) * len(axes)
    s = tuple(s)
    if len(s) != len(axes):
        raise ValueError(f"fft.{name}: s {s} and axes {axes} differ in length")
    c2r = _FAMILY[name] == "c2r"
    s = tuple(_length(name, n, _c2r_default(x.shape[a]) if c2r and i == len(axes) - 1 else x.shape[a])
              for i, (n, a) in enumerate(zip(s, axes)))
    return apply(op, (x,), {"s": s, "axes": axes, "norm": _norm(name, norm)}, out)


def fft(x, /, *, n=None, axis: int = -1, norm: str = "backward") -> Tensor:
    return _one_axis("fft", x, n, axis, norm)


def ifft(x, /, *, n=None, axis: int = -1, norm: str = "backward") -> Tensor:
    return _one_axis("ifft", x, n, axis, norm)


def fftn(x, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    return _many_axes("fftn", x, s, axes, norm)


def ifftn(x, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    return _many_axes("ifftn", x, s, axes, norm)


def rfft(x, /, *, n=None, axis: int = -1, norm: str = "backward") -> Tensor:
    return _one_axis("rfft", x, n, axis, norm)


def irfft(x, /, *, n=None, axis: int = -1, norm: str = "backward") -> Tensor:
    return _one_axis("irfft", x, n, axis, norm)


def rfftn(x, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    return _many_axes("rfftn", x, s, axes, norm)


def irfftn(x, /, *, s=None, axes=None, norm: str = "backward") -> Tensor:
    return _many_axes("irfftn", x, s, axes, norm)


def hfft(x, /, *, n=None, axis: int = -1, norm: str = "backward") -> Tensor:
    return _one_axis("hfft", x, n, axis, norm)


def ihfft(x, /, *, n=None, axis: int = -1, norm: str = "backward") -> Tensor:
    return _one_axis("ihfft", x, n, axis, norm)


def _freq(name: str, n, d, dtype, device) -> Tensor:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"fft.{name}: n must be a positive int, got {n!r}")
    if isinstance(d, bool) or not isinstance(d, (int, float)) or d == 0:
        raise ValueError(f"fft.{name}: d must be a non-zero real number, got {d!r}")
    dtype = _d.default_float if dtype is None else dtype
    if dtype not in OPS[name].accepts:
        raise TypeError(f"fft.{name}: dtype must be a real floating-point nr dtype, got {dtype!r}")
    dev, backend = REGISTRY.resolve(device)
    if not backend.supports_dtype(dtype, dev):
        raise TypeError(f"fft.{name}: dtype {dtype.name} is not supported on device {dev}")
    return create(OPS[name], backend, dev, dtype, {"n": n, "d": float(d)})


def fftfreq(n: int, /, *, d: float = 1.0, dtype=None, device=None) -> Tensor:
    """Sample frequencies of ``fft`` for ``n`` points spaced ``d`` apart."""
    return _freq("fftfreq", n, d, dtype, device)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype=None, device=None) -> Tensor:
    """Sample frequencies of ``rfft`` (non-negative ones) for ``n`` points spaced ``d`` apart."""
    return _freq("rfftfreq", n, d, dtype, device)


def _shift(name: str, x, axes) -> Tensor:
    array(x, f"fft.{name}")
    if x.ndim == 0:
        raise ValueError(f"fft.{name}: needs an array of at least one dimension, got a 0-d array")
    return apply(OPS[name], (x,), {"axes": normalize_axes(axes, x.ndim, f"fft.{name}")}, x._dtype)


def fftshift(x, /, *, axes=None) -> Tensor:
    """Move the zero-frequency term to the centre (over ``axes``, all by default)."""
    return _shift("fftshift", x, axes)


def ifftshift(x, /, *, axes=None) -> Tensor:
    """The inverse of ``fftshift``."""
    return _shift("ifftshift", x, axes)
