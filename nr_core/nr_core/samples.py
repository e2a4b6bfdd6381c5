"""Sample inputs for the backend test kit (in the spirit of PyTorch's OpInfo): the ``Sample`` record and the
value generators that every op family's samples are written with.

Each op registers ``samples(op_name, dtypes)`` with its table entry (``optable.register(..., samples=)``); the
kit (``nr_core.testing``) draws them, runs them on the device under test and compares with NumPy.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import nr_core as nr
from . import dtypes as _d


@dataclass
class Sample:
    """One call of an op. ``args`` hold numpy arrays (moved to the device under test) or Python scalars."""

    op: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    call: Callable[..., Any] | None = None  # (*nr_args, **kwargs) -> nr result; default nr.<op>
    ref: Callable[..., Any] | None = None  # (*np_args, **kwargs) -> numpy result; default np.<op>
    label: str = ""
    grad: bool = True  # smooth, finite inputs: usable for gradient checks
    rtol: float | None = None
    atol: float | None = None
    check_dtype: bool = True
    data_dependent: bool = False  # the result's shape depends on the values (the kit skips it where the device
    # declares ``Capabilities.data_dependent_shapes=False``)
    # a 16-bit sample's reference runs in float32 and is rounded to the input's dtype (False: as NumPy does it, for
    # references that choose their output dtype, like casts)
    ref_in_float32: bool = True

    def __repr__(self) -> str:
        shapes = ",".join(str(a.shape) if isinstance(a, np.ndarray) else repr(a) for a in self.args)
        dts = ",".join(str(a.dtype) for a in self.args if isinstance(a, np.ndarray))
        return f"{self.op}[{self.label}]({shapes}; {dts}; {self.kwargs})"

    def nr_call(self, *args):
        return (self.call or getattr(nr, self.op))(*args, **self.kwargs)

    def np_call(self, *args):
        fn = self.ref or getattr(np, self.op)
        low = _low_dtype(args) if self.ref_in_float32 and "dtype" not in self.kwargs else None
        if low is not None:  # the reference of a 16-bit sample: computed in float32, rounded to the input's dtype
            args = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == low else a for a in args)
        with np.errstate(all="ignore"):
            out = fn(*args, **self.kwargs)
        return out if low is None else _round_to(out, low)


_LOW_NUMPY = frozenset(d.numpy for d in _d.LOW_PRECISION if d.numpy is not None)


def _low_dtype(args):
    """The 16-bit float dtype shared by every floating array of ``args``, or None."""
    floating = {a.dtype for a in args if isinstance(a, np.ndarray) and (a.dtype.kind in "fc" or a.dtype in _LOW_NUMPY)}
    return next(iter(floating)) if len(floating) == 1 and floating <= _LOW_NUMPY else None


def _round_to(out, low):
    if isinstance(out, (tuple, list)):
        return type(out)(_round_to(o, low) for o in out)
    out = np.asarray(out)
    return out.astype(low) if out.dtype.kind == "f" else out


# the device under test, set by the kit's pytest plugin before samples are drawn (creation samples use it)
_DEVICE = ["cpu"]


def device_under_test() -> str:
    return _DEVICE[0]


def set_device_under_test(device: str) -> None:
    _DEVICE[0] = device


def _rng(*key) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def values(shape, dtype: _d.DType, low=-3.0, high=3.0, key=()) -> np.ndarray:
    """Deterministic values of ``dtype`` in [low, high] (ints: small; uints: non-negative)."""
    rng = _rng(shape, dtype.name, low, high, *key)
    k = dtype.kind
    if k == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if k in ("int", "uint"):
        lo = 0 if k == "uint" else max(int(math.floor(low)), -5)
        hi = min(int(math.ceil(high)), 9) if high > lo else lo + 5
        return np.asarray(rng.integers(lo, max(hi, lo + 1) + 1, shape).astype(dtype.numpy))
    x = rng.uniform(low, high, shape)
    if k == "complex":
        x = x + 1j * rng.uniform(low, high, shape)
    return np.asarray(x.astype(dtype.numpy))


def specials(dtype: _d.DType) -> np.ndarray:
    """NaN, infinities, signed zeros and ordinary values of a floating dtype."""
    base = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 1e-30, 3.0])
    if dtype.kind == "complex":
        out = np.empty(base.shape, dtype.numpy)
        out.real, out.imag = base, [1.0, 0.0, np.nan, -0.0, 0.0, np.inf, 1.0, -1.0, 0.0, 2.0, 0.0, -3.0]
        return out
    return base.astype(dtype.numpy)


def floats(dtypes) -> list:
    """The real floating dtypes among ``dtypes`` (the 16-bit ones included)."""
    return [d for d in (_d.float16, _d.bfloat16, _d.float32, _d.float64) if d in dtypes]


def accepted(op_name: str, dtypes) -> list:
    """The dtypes of ``dtypes`` that op ``op_name`` accepts, in table order."""
    from .optable import OPS
    return [d for d in _d.ALL_DTYPES if d in OPS[op_name].accepts and d in dtypes]


def one_of_each_kind(dtypes) -> list:
    """One float, one int and bool (and complex): dtype-blind ops need no more."""
    return [d for d in (_d.float32, _d.float64, _d.int32, _d.uint8, _d.bool, _d.complex64, _d.float16, _d.bfloat16)
            if d in dtypes]


def smooth(dtype: _d.DType) -> bool:
    """Whether samples of ``dtype`` can be gradient-checked."""
    return dtype.kind in ("float", "complex")
