"""Data type objects and the type promotion rules (the standard's table, plus PyTorch's cross-kind cases).

``float16`` is NumPy's; ``bfloat16``'s NumPy dtype comes from ``ml_dtypes`` when it is installed (the CPU
backend depends on it). Without it ``bfloat16`` still exists and promotes, but no backend supports it.
"""
from __future__ import annotations

import numpy as np

try:
    import ml_dtypes as _ml_dtypes
except ImportError:  # nr_core imports without it; backends then declare no bfloat16
    _ml_dtypes = None

__all__ = [
    "DType", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128", "promote_types", "scalar_result_dtype",
    "ALL_DTYPES", "from_numpy_dtype", "default_float", "default_int", "default_complex", "real_dtype",
    "complex_dtype", "LOW_PRECISION",
]

_builtin_bool = bool


class DType:
    """One array data type. Instances are unique, so ``is`` and ``==`` agree."""

    __slots__ = ("name", "kind", "itemsize", "numpy")

    def __init__(self, name: str, kind: str, itemsize: int, numpy: np.dtype | None | str = ""):
        self.name = name
        self.kind = kind  # "bool", "int", "uint", "float", "complex"
        self.itemsize = itemsize
        # NumPy's dtype of that name by default; None where NumPy has none (bfloat16 without ml_dtypes)
        self.numpy = np.dtype(name) if numpy == "" else numpy

    def __repr__(self) -> str:
        return f"nr.{self.name}"

    __str__ = __repr__

    def __reduce__(self):
        # pickled dtypes (DataLoader workers) come back as the same singleton
        return (from_name, (self.name,))

    @property
    def is_floating(self) -> _builtin_bool:
        return self.kind == "float"

    @property
    def is_complex(self) -> _builtin_bool:
        return self.kind == "complex"


bool = DType("bool", "bool", 1)
int8 = DType("int8", "int", 1)
int16 = DType("int16", "int", 2)
int32 = DType("int32", "int", 4)
int64 = DType("int64", "int", 8)
uint8 = DType("uint8", "uint", 1)
uint16 = DType("uint16", "uint", 2)
uint32 = DType("uint32", "uint", 4)
uint64 = DType("uint64", "uint", 8)
float16 = DType("float16", "float", 2)
bfloat16 = DType("bfloat16", "float", 2, None if _ml_dtypes is None else np.dtype(_ml_dtypes.bfloat16))
float32 = DType("float32", "float", 4)
float64 = DType("float64", "float", 8)
complex64 = DType("complex64", "complex", 8)
complex128 = DType("complex128", "complex", 16)

ALL_DTYPES = (bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
              float16, bfloat16, float32, float64, complex64, complex128)
# the 16-bit floating dtypes: stored low, computed in float32 where a kernel accumulates
LOW_PRECISION = frozenset((float16, bfloat16))
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES if d.numpy is not None}

default_float = float32
default_int = int64
default_complex = complex64


def set_default_float(dtype: DType) -> None:
    """Make ``dtype`` (float32 or float64) the default float, and its complex counterpart the default complex
    (PyTorch's ``set_default_dtype``; read at call time as ``dtypes.default_float`` everywhere)."""
    global default_float, default_complex
    default_float = dtype
    default_complex = complex128 if dtype is float64 else complex64


def from_name(name: str) -> DType:
    return _BY_NAME[name]


def from_numpy_dtype(dt) -> DType:
    """The nr dtype of a numpy dtype; TypeError for dtypes nr does not have."""
    try:
        return _BY_NUMPY[np.dtype(dt)]
    except (KeyError, TypeError):
        raise TypeError(f"unsupported dtype {dt!r}: nr arrays hold bool, (u)int8-64, float16, bfloat16, float32/64, "
                        "complex64/128") from None


_SIGNED = {1: int8, 2: int16, 4: int32, 8: int64}
_FLOAT = {2: float16, 4: float32, 8: float64}
_COMPLEX = {8: complex64, 16: complex128}


def _promote(a: DType, b: DType) -> DType | None:
    ka, kb = a.kind, b.kind
    if a is b:
        return a
    if ka == kb:
        if ka == "bool":
            return a
        if a.itemsize == b.itemsize:  # float16 with bfloat16: neither holds the other (PyTorch gives float32)
            return float32
        return a if a.itemsize > b.itemsize else b
    if {ka, kb} == {"int", "uint"}:
        s, u = (a, b) if ka == "int" else (b, a)
        if s.itemsize > u.itemsize:
            return s
        return _SIGNED.get(2 * u.itemsize)  # int64 with uint64 has no signed type: not promotable
    if ka == "bool":
        return b  # bool with anything gives the other type (PyTorch)
    if kb == "bool":
        return a
    if {ka, kb} == {"float", "complex"}:
        f, c = (a, b) if ka == "float" else (b, a)
        return _COMPLEX[max(2 * f.itemsize, c.itemsize, 8)]
    # integer with floating/complex: the floating/complex type (PyTorch)
    return b if kb in ("float", "complex") else a


# One explicit table of every pair, built once: the hot path is a dict lookup.
PROMOTION_TABLE: dict[tuple[DType, DType], DType] = {}
for _a in ALL_DTYPES:
    for _b in ALL_DTYPES:
        _r = _promote(_a, _b)
        if _r is not None:
            PROMOTION_TABLE[(_a, _b)] = _r
del _a, _b, _r


def real_dtype(dt: DType) -> DType:
    """The real dtype of a complex dtype's parts (``complex64 -> float32``); other dtypes map to themselves."""
    return _FLOAT[dt.itemsize // 2] if dt.kind == "complex" else dt


def complex_dtype(dt: DType) -> DType:
    """The complex dtype whose parts have a real floating dtype (``float32 -> complex64``; the 16-bit floats have no
    complex dtype of their own and give complex64)."""
    return _COMPLEX[max(2 * dt.itemsize, 8)] if dt.kind == "float" else dt


def promote_types(a: DType, b: DType, op: str = "result_type") -> DType:
    try:
        return PROMOTION_TABLE[(a, b)]
    except KeyError:
        raise TypeError(f"{op}: dtypes {a.name} and {b.name} cannot be promoted together") from None


def python_scalar(value):
    """A NumPy scalar (``np.float64(2.0)``, ``np.int32(1)``, ``np.bool_``) as the Python scalar of its kind; anything
    else unchanged. NumPy scalars then take part in promotion as Python scalars do (weakly), as SciPy expects."""
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return value.item()
    return value


def scalar_result_dtype(dt: DType, scalar, op: str) -> DType:
    """Result dtype of an array of dtype ``dt`` with a Python scalar (standard rules, PyTorch beyond them)."""
    k = dt.kind
    t = type(python_scalar(scalar))
    if t is _builtin_bool:
        return dt
    if t is int:
        return default_int if k == "bool" else dt
    if t is float:
        if k in ("float", "complex"):
            return dt
        return default_float
    if t is complex:
        if k == "complex":
            return dt
        if k == "float":
            return complex_dtype(dt)
        return default_complex
    raise TypeError(f"{op}: unsupported operand type {t.__name__} with an array of dtype {dt.name}")
