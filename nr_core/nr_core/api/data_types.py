"""Data type functions: ``astype``, ``can_cast``, ``finfo``, ``iinfo``, ``isdtype``, ``result_type``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import dtypes as _d
from ..dispatch import apply
from ..ops.conversion import ASTYPE as _ASTYPE
from ..array_object import Tensor

__all__ = ["astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type"]



def astype(x, dtype, /, *, copy: bool = True, device=None) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"astype: expected an nr array, got {type(x).__name__}")
    if not isinstance(dtype, _d.DType):
        raise TypeError(f"astype: dtype must be an nr dtype, got {dtype!r}")
    if device is not None:
        x = x.to_device(device)
    if dtype is x._dtype and not copy:
        return x
    if not x._backend.supports_dtype(dtype, x._device):
        raise TypeError(f"astype: dtype {dtype.name} is not supported on device {x._device}")
    if x._dtype.kind == "complex" and dtype.kind not in ("complex",):
        raise TypeError(f"astype: casting complex {x._dtype.name} to {dtype.name} would drop the imaginary part; "
                        "use real(), imag() or abs() first")
    return apply(_ASTYPE, (x,), {"dtype": dtype, "copy": True}, dtype)


def can_cast(from_, to, /) -> bool:
    src = from_._dtype if isinstance(from_, Tensor) else from_
    if not isinstance(src, _d.DType) or not isinstance(to, _d.DType):
        raise TypeError(f"can_cast: expected nr dtypes or arrays, got {from_!r} and {to!r}")
    return bool(np.can_cast(src.numpy, to.numpy, casting="safe"))


@dataclass(frozen=True)
class finfo_object:
    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: _d.DType


@dataclass(frozen=True)
class iinfo_object:
    bits: int
    max: int
    min: int
    dtype: _d.DType


def _dtype_of(x, op):
    dt = x._dtype if isinstance(x, Tensor) else x
    if not isinstance(dt, _d.DType):
        raise TypeError(f"{op}: expected an nr dtype or array, got {x!r}")
    return dt


def finfo(type, /) -> finfo_object:
    dt = _dtype_of(type, "finfo")
    if dt.kind not in ("float", "complex"):
        raise TypeError(f"finfo: {dt.name} is not a floating-point dtype")
    fi = np.finfo(dt.numpy)
    # the standard describes a complex dtype by its real components (finfo(complex64).dtype is float32)
    return finfo_object(int(fi.bits), float(fi.eps), float(fi.max), float(fi.min), float(fi.smallest_normal),
                        _d.real_dtype(dt))


def iinfo(type, /) -> iinfo_object:
    dt = _dtype_of(type, "iinfo")
    if dt.kind not in ("int", "uint"):
        raise TypeError(f"iinfo: {dt.name} is not an integer dtype")
    ii = np.iinfo(dt.numpy)
    return iinfo_object(int(ii.bits), int(ii.max), int(ii.min), dt)


_KINDS = {
    "bool": ("bool",),
    "signed integer": ("int",),
    "unsigned integer": ("uint",),
    "integral": ("int", "uint"),
    "real floating": ("float",),
    "complex floating": ("complex",),
    "numeric": ("int", "uint", "float", "complex"),
}


def isdtype(dtype, kind) -> bool:
    if not isinstance(dtype, _d.DType):
        raise TypeError(f"isdtype: expected an nr dtype, got {dtype!r}")
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, _d.DType):
        return dtype is kind
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(f"isdtype: unknown kind {kind!r}; expected one of {sorted(_KINDS)}")
        return dtype.kind in _KINDS[kind]
    raise TypeError(f"isdtype: kind must be a dtype, a kind name or a tuple, got {kind!r}")


def result_type(*arrays_and_dtypes) -> _d.DType:
    dts, scalars = [], []
    for a in arrays_and_dtypes:
        if isinstance(a, Tensor):
            dts.append(a._dtype)
        elif isinstance(a, _d.DType):
            dts.append(a)
        elif isinstance(_d.python_scalar(a), (bool, int, float, complex)):
            scalars.append(_d.python_scalar(a))
        else:
            raise TypeError(f"result_type: expected arrays, dtypes or Python scalars, got {a!r}")
    if not dts:
        raise ValueError("result_type: needs at least one array or dtype")
    out = dts[0]
    for d in dts[1:]:
        out = _d.promote_types(out, d, "result_type")
    for s in scalars:
        out = _d.scalar_result_dtype(out, s, "result_type")
    return out


