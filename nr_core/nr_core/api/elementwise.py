"""The elementwise entry points: ``make_unary``/``make_binary`` turn an op-table entry into its namespace
function (``nr_core/ops/elementwise.py`` calls them, one line per op), with the dtype rules of the table and the
hot path every small op goes through; plus ``clip``, whose bounds make it a function of its own.

The hot path — arrays of one dtype on one device, or an array with a Python number that keeps its dtype — is a
few attribute reads, one subscript of a per-op plain dict keyed by dtype (holding the kernel, the result dtype
and the backend it was filled for, checked by identity), the kernel call, and the wrap, spelled out inline (a
call to ``dispatch.wrap`` would cost about 10% of a small op). Everything else takes the general path:
promotion, casts, Python scalars, then ``dispatch.apply``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

import nr_core as nr

from .. import dispatch as _dispatch
from .. import dtypes as _d
from ..errors import bad_dtype, device_mismatch
from ..grad_mode import state as _grad
from ..optable import OPS
from ..shapes import broadcast_shapes
from ..array_object import Tensor
from .data_types import astype

EMPTY = _dispatch.EMPTY

# ---- dtype rules of the op table: compute dtype and output dtype by result rule ------------------
_TO_FLOAT = {d: _d.default_float for d in _d.ALL_DTYPES if d.kind in ("bool", "int", "uint")}
_REAL_OF = {_d.complex64: _d.float32, _d.complex128: _d.float64}
COMPUTE = {"same": EMPTY, "bool": EMPTY, "real": EMPTY, "index": EMPTY, "custom": EMPTY, "float": _TO_FLOAT}
OUTPUT = {
    "same": EMPTY, "float": EMPTY, "custom": EMPTY, "real": _REAL_OF,
    "bool": {d: _d.bool for d in _d.ALL_DTYPES},
    "index": {d: _d.int64 for d in _d.ALL_DTYPES},
}

_SCALARS = (bool, int, float, complex)
# (array dtype, Python scalar type) pairs whose result keeps the array's dtype: no cast needed
_SCALAR_KEEPS = frozenset((d, t) for d in _d.ALL_DTYPES for t in (int, float)
                          if d.kind != "bool" and (t is int or d.kind in ("float", "complex")))
_PROMO = _d.PROMOTION_TABLE
_scalar_dtype = _d.scalar_result_dtype


# every function's hot-path table: emptied when interception starts or stops (entries are refilled on demand,
# and filled with no kernel while an interceptor must see every op)
_FAST_TABLES: list[dict] = []
_dispatch.on_intercept_change.append(lambda: [t.clear() for t in _FAST_TABLES])


def _fast_entry(fast: dict, op, backend, dt, large: bool = False) -> tuple:
    """Fill ``fast[dt]`` for ``backend``: (kernel, output dtype, backend), kernel None where the hot path does not
    apply (a cast is needed, the dtype is not accepted or not supported, the backend has no kernel, or an
    interceptor is active). With ``large``, a fourth field: the backend's ``large_kernels`` entry for the op
    (``(min_size, kernel)``) or None."""
    compute, output = COMPUTE[op.result], OUTPUT[op.result]
    k = backend.kernels.get(op.name)
    if (k is None or dt not in op.accepts or compute.get(dt, dt) is not dt or not backend.supports_dtype(dt)
            or _dispatch._intercept is not None):
        k = None
    entry = (k, output.get(dt, dt), backend)
    if large:
        entry += (backend.large_kernels.get(op.name) if k is not None else None,)
    fast[dt] = entry
    return entry


def fast_kernel(fn, backend, dt):
    """(kernel, output dtype) of the elementwise function ``fn`` for arrays of ``dt`` on ``backend``, or None."""
    entry = fn.fast.get(dt)
    if entry is None or entry[2] is not backend:
        entry = _fast_entry(fn.fast, fn.op, backend, dt, fn.op.nin == 2)
    return entry[:2] if entry[0] is not None else None


def _with_grad(op, inputs: tuple, out: Tensor):
    """The hot path computed ``out`` and an input requires grad: the grad engine records it (an input can only
    require grad when an engine is registered); with grad mode off, it is already the answer."""
    return _dispatch._record_computed(op, inputs, out) if _grad.enabled else out


def make_unary(op) -> Callable[[Tensor], Tensor]:
    """The namespace function of the one-input elementwise op ``op``."""
    name, accepts = op.name, op.accepts
    compute, output = COMPUTE[op.result], OUTPUT[op.result]
    fast: dict = {}
    _FAST_TABLES.append(fast)

    def fn(x, /):
        if isinstance(x, Tensor):
            be = x._backend
            dt = x._dtype
            try:
                k, odt, kbe = fast[dt]
            except KeyError:
                k, odt, kbe = _fast_entry(fast, op, be, dt)
            if kbe is not be:
                k, odt, kbe = _fast_entry(fast, op, be, dt)
            if k is not None:
                t = Tensor()
                t._data = k(x._data)
                t._backend = be
                t._device = x._device
                t._dtype = odt
                t._requires_grad = False
                t._grad = t._grad_fn = t._version = None
                return _with_grad(op, (x,), t) if x._requires_grad else t
        return general(x)

    def general(x):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: expected an nr array, got {type(x).__name__}")
        dt = x._dtype
        if dt not in accepts:
            raise bad_dtype(op, dt)
        cdt = compute.get(dt, dt)
        if cdt is not dt:
            x = astype(x, cdt)
        return _dispatch.apply(op, (x,), EMPTY, output.get(cdt, cdt))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (array API standard; accepts {op.dtypes} dtypes)."
    fn.fast, fn.op = fast, op
    return fn


def make_binary(op) -> Callable[..., Tensor]:
    """The namespace function of the two-input elementwise op ``op`` (arrays and Python scalars, either side)."""
    name, accepts = op.name, op.accepts
    compute, output = COMPUTE[op.result], OUTPUT[op.result]
    fast: dict = {}
    _FAST_TABLES.append(fast)

    def fn(x1, x2, /):
        # hot path: two arrays of one dtype on one device
        if isinstance(x1, Tensor) and isinstance(x2, Tensor):
            dt = x1._dtype
            if x2._dtype is dt and x2._device is x1._device:
                be = x1._backend
                try:
                    k, odt, kbe, large = fast[dt]
                except KeyError:
                    k, odt, kbe, large = _fast_entry(fast, op, be, dt, True)
                if kbe is not be:
                    k, odt, kbe, large = _fast_entry(fast, op, be, dt, True)
                if k is not None:
                    try:
                        # a backend's multi-threaded kernel for big arrays, chosen here and not inside the kernel:
                        # a wrapper around NumPy's ufunc would cost every small op a Python frame
                        if large is None or x1._data.size < large[0]:
                            buf = k(x1._data, x2._data)
                        else:
                            buf = large[1](x1._data, x2._data)
                    except ValueError:
                        # kernels check broadcasting before computing; name the op in the error
                        broadcast_shapes(x1._data.shape, x2._data.shape, op=name)
                        raise
                    t = Tensor()
                    t._data = buf
                    t._backend = be
                    t._device = x1._device
                    t._dtype = odt
                    t._requires_grad = False
                    t._grad = t._grad_fn = t._version = None
                    return _with_grad(op, (x1, x2), t) if x1._requires_grad or x2._requires_grad else t
        # hot path with a Python int/float that keeps the array's dtype (x * 0.5, 1 - x)
        elif isinstance(x1, Tensor) or isinstance(x2, Tensor):
            arr, scalar = (x1, x2) if isinstance(x1, Tensor) else (x2, x1)
            if (arr._dtype, type(scalar)) in _SCALAR_KEEPS and not arr._requires_grad:
                hit = fast_kernel(fn, arr._backend, arr._dtype)
                if hit:
                    t = Tensor()
                    t._data = hit[0](x1._data, x2) if arr is x1 else hit[0](x1, x2._data)
                    t._backend = arr._backend
                    t._device = arr._device
                    t._dtype = hit[1]
                    t._requires_grad = False
                    t._grad = t._grad_fn = t._version = None
                    return t
        return general(x1, x2)

    def general(x1, x2):
        if isinstance(x1, Tensor):
            if isinstance(x2, Tensor):
                if x2._device is not x1._device:
                    raise device_mismatch(name, x1, x2)
                dt = x1._dtype
                if x2._dtype is not dt:
                    dt = _PROMO.get((dt, x2._dtype))
                    if dt is None:
                        raise TypeError(f"{name}: dtypes {x1._dtype.name} and {x2._dtype.name} cannot be promoted "
                                        f"together (shapes {x1.shape} and {x2.shape})")
                if dt not in accepts:
                    raise bad_dtype(op, x1._dtype, x2._dtype) if x1._dtype is not x2._dtype else bad_dtype(op, dt)
                if x1._data.shape != x2._data.shape:
                    broadcast_shapes(x1._data.shape, x2._data.shape, op=name)
                cdt = compute.get(dt, dt)
                if x1._dtype is not cdt:
                    x1 = astype(x1, cdt)
                if x2._dtype is not cdt:
                    x2 = astype(x2, cdt)
                return _dispatch.apply(op, (x1, x2), EMPTY, output.get(cdt, cdt))
            if type(x2) not in _SCALARS:
                x2 = _d.python_scalar(x2)  # NumPy scalars take part as Python scalars do
                if type(x2) not in _SCALARS:
                    raise TypeError(f"{name}: unsupported operand type {type(x2).__name__} with an nr array")
            arr = x1
            dt = _scalar_dtype(x1._dtype, x2, name)
        elif isinstance(x2, Tensor):
            if type(x1) not in _SCALARS:
                x1 = _d.python_scalar(x1)
                if type(x1) not in _SCALARS:
                    raise TypeError(f"{name}: unsupported operand type {type(x1).__name__} with an nr array")
            arr = x2
            dt = _scalar_dtype(x2._dtype, x1, name)
        else:
            raise TypeError(f"{name}: expected at least one nr array, got {type(x1).__name__} and {type(x2).__name__}")
        if dt not in accepts:
            raise bad_dtype(op, dt)
        cdt = compute.get(dt, dt)
        if arr._dtype is not cdt:
            arr = astype(arr, cdt)
        # a Python scalar goes to the kernel as a Python scalar of the compute kind
        if isinstance(x1, Tensor):
            x1, x2 = arr, _as_kind(x2, cdt)
        else:
            x1, x2 = _as_kind(x1, cdt), arr
        return _dispatch.apply(op, (x1, x2), EMPTY, output.get(cdt, cdt))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (array API standard; accepts {op.dtypes} dtypes and Python scalars)."
    fn.fast, fn.op = fast, op  # the scalar path and the in-place operators reuse the hot-path table
    return fn


def _as_kind(s, dt):
    k = dt.kind
    if k == "bool":
        return bool(s)
    if k in ("int", "uint"):
        return int(s)
    if k == "float":
        return float(s)
    return complex(s)


def clip(x, /, min=None, max=None) -> Tensor:
    """Clamp to [min, max]; bounds may be Python scalars or arrays (broadcast to ``x``)."""
    op = OPS["clip"]
    if not isinstance(x, Tensor):
        raise TypeError(f"clip: expected an nr array, got {type(x).__name__}")
    if x._dtype not in op.accepts:
        raise bad_dtype(op, x._dtype)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = nr.maximum(out, min)
        if max is not None:
            out = nr.minimum(out, max)
        if out._dtype is not x._dtype:  # the bounds do not take part in type promotion
            out = astype(out, x._dtype)
        return out  # shaped like x, min and max broadcast together
    min, max = _d.python_scalar(min), _d.python_scalar(max)
    for b in (min, max):
        if b is not None and (not isinstance(b, (int, float)) or isinstance(b, bool)):
            raise TypeError(f"clip: bounds must be real numbers or nr arrays, got {b!r}")
    if x._dtype.kind in ("int", "uint"):
        # bounds outside the dtype's range do not clip; keep them representable
        info = np.iinfo(x._dtype.numpy)
        min = None if min is None or min <= info.min else (int(min) if float(min).is_integer() else min)
        max = None if max is None or max >= info.max else (int(max) if float(max).is_integer() else max)
    return _dispatch.apply(op, (x,), {"min": min, "max": max}, x._dtype)


clamp = clip  # PyTorch's name


def lerp(input, end, weight, /) -> Tensor:
    """``input + weight * (end - input)``, as PyTorch's ``lerp`` (for a number ``weight`` of one half or more,
    ``end - (end - input) * (1 - weight)``, exact at ``weight == 1``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"lerp: expected an nr array, got {type(input).__name__}")
    if isinstance(weight, (int, float)) and weight >= 0.5:
        return end - (end - input) * (1.0 - weight)
    return input + (end - input) * weight


def isclose(input, other, /, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise, as PyTorch's ``isclose`` (infinities are close
    only to themselves; NaNs to each other only with ``equal_nan``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"isclose: expected an nr array, got {type(input).__name__}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be non-negative, got {rtol} and {atol}")
    other = other if isinstance(other, Tensor) else nr.asarray(other, dtype=input._dtype, device=input._device)
    if input._dtype.kind in ("bool", "int", "uint") and other._dtype.kind in ("bool", "int", "uint"):
        if input._dtype.kind == "bool" or other._dtype.kind == "bool":
            return nr.equal(input, other)
    with np.errstate(invalid="ignore", over="ignore"):
        near = nr.abs(input - other) <= atol + rtol * nr.abs(other)
        close = nr.equal(input, other) | (near & nr.isfinite(input) & nr.isfinite(other))
    if equal_nan and (input._dtype.kind in ("float", "complex") or other._dtype.kind in ("float", "complex")):
        close = close | (nr.isnan(input) & nr.isnan(other))
    return close


def allclose(input, other, /, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element is ``isclose``, as a Python bool (PyTorch's ``allclose``)."""
    return bool(nr.all(isclose(input, other, rtol, atol, equal_nan)))
