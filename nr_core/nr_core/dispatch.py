"""The dispatcher: from an op-table entry and validated nr arrays to one backend kernel call.

The hot path is a few attribute reads and one dict lookup (``backend.kernels.get(name)``). Pluggy is
never called here; discovery has already flattened everything into plain dicts and the one
``_interceptor`` slot, which is consulted only when an input requires grad.
"""
from __future__ import annotations

from typing import Any, Callable

from . import dtypes as _d
from .errors import DeviceMismatchError
from .grad_mode import state as _grad
from .shapes import broadcast_shapes
from .tensor import Tensor

DECOMPOSITIONS: dict[str, Callable[..., Any]] = {}
EMPTY: dict = {}

_interceptor: Callable | None = None
engine: Any = None  # the registered autograd engine (has backward/grad), or None


def set_interceptor(fn: Callable | None) -> None:
    global _interceptor, engine
    _interceptor = fn
    if fn is not None and hasattr(fn, "backward"):
        engine = fn


_new = object.__new__


def wrap(buf, backend, device, dtype) -> Tensor:
    """Make an nr array around a native buffer (the only place arrays are born)."""
    t = _new(Tensor)
    t._data = buf
    t._backend = backend
    t._device = device
    t._dtype = dtype
    t._requires_grad = False
    t._grad = None
    t._grad_fn = None
    t._version = None
    return t


# ---- dtype rules of the op table ---------------------------------------------------------------
_TO_FLOAT = {d: _d.default_float for d in _d.ALL_DTYPES if d.kind in ("bool", "int", "uint")}
_REAL_OF = {_d.complex64: _d.float32, _d.complex128: _d.float64}
COMPUTE = {"same": EMPTY, "bool": EMPTY, "real": EMPTY, "index": EMPTY, "custom": EMPTY, "float": _TO_FLOAT}
OUTPUT = {
    "same": EMPTY, "float": EMPTY, "custom": EMPTY, "real": _REAL_OF,
    "bool": {d: _d.bool for d in _d.ALL_DTYPES},
    "index": {d: _d.int64 for d in _d.ALL_DTYPES},
}


def result_dtypes(op, dt):
    """(compute dtype, output dtype) of an elementwise op for promoted input dtype ``dt``."""
    cdt = COMPUTE[op.result].get(dt, dt)
    return cdt, OUTPUT[op.result].get(cdt, cdt)


# ---- errors, raised before any kernel runs ---------------------------------------------------
def device_mismatch(name: str, *arrays) -> DeviceMismatchError:
    devs = ", ".join(f"{tuple(a.shape)} on {a.device}" for a in arrays if isinstance(a, Tensor))
    return DeviceMismatchError(f"{name}: arrays are on different devices ({devs}); move them with .to_device() first")


def bad_dtype(op, *dts) -> TypeError:
    got = " and ".join(d.name for d in dts)
    return TypeError(f"{op.name}: dtype {got} is not allowed; {op.name} accepts {op.dtypes} dtypes")


def check_dtype(op, x: Tensor) -> None:
    if x._dtype not in op.accepts:
        raise bad_dtype(op, x._dtype)
    if not x._backend.supports_dtype(x._dtype, x._device):
        raise TypeError(f"{op.name}: dtype {x._dtype.name} is not supported on device {x._device}")


# ---- the generic path ----------------------------------------------------------------------
def apply(op, inputs: tuple, params: dict, out_dtype, kparams: dict | None = None):
    """Run ``op`` on validated ``inputs`` (nr arrays on one device, or Python scalars for elementwise ops).

    ``params`` are what the gradient rules see; ``kparams`` (default: ``params``) what the kernel gets.
    """
    x0 = inputs[0] if isinstance(inputs[0], Tensor) else inputs[1]
    if _interceptor is not None and _grad.enabled and x0._backend.kernels.get(op.name) is not None:
        for t in inputs:
            if isinstance(t, Tensor) and t._requires_grad:
                return _interceptor(op, inputs, params, lambda i, p: run(op, i, p, out_dtype, kparams))
    return run(op, inputs, params, out_dtype, kparams)


def run(op, inputs: tuple, params: dict, out_dtype, kparams: dict | None = None):
    """Call the kernel (or the decomposition) without interception."""
    x0 = inputs[0] if isinstance(inputs[0], Tensor) else inputs[1]
    be = x0._backend
    kern = be.kernels.get(op.name)
    if kern is None:
        return decompose(op, be, inputs, params)
    res = kern(*[t._data if isinstance(t, Tensor) else t for t in inputs],
               **(params if kparams is None else kparams))
    dev = x0._device
    if op.nout == 1:
        out = wrap(res, be, dev, out_dtype)
        if op.view:
            if x0._version is None:
                x0._version = [0]
            out._version = x0._version
        return out
    if isinstance(out_dtype, tuple):
        return tuple(wrap(r, be, dev, dt) for r, dt in zip(res, out_dtype))
    return tuple(wrap(r, be, dev, out_dtype) for r in res)


def decompose(op, backend, inputs, params):
    fn = DECOMPOSITIONS.get(op.name)
    if fn is None:
        raise RuntimeError(f"{op.name}: backend {backend.name!r} has no kernel for this op and nr_core has no "
                           f"decomposition of it")
    return fn(*inputs, **params)


def create(op, backend, device, dtype, params: dict):
    """Creation ops: no array inputs; the kernel gets ``dtype`` and ``device`` too."""
    kern = backend.kernels.get(op.name)
    if kern is None:
        return DECOMPOSITIONS[op.name](dtype=dtype, device=device, **params)
    return wrap(kern(dtype=dtype, device=device, **params), backend, device, dtype)


# ---- elementwise entry points, built from the op table ---------------------------------------
_SCALARS = (bool, int, float, complex)
_PROMO = _d.PROMOTION_TABLE
_scalar_dtype = _d.scalar_result_dtype


def _cast(x, dt):
    from .api.data_types import astype
    return astype(x, dt)


def _broadcast_check(name, x1, x2):
    s1, s2 = x1._data.shape, x2._data.shape
    if s1 != s2:
        broadcast_shapes(s1, s2, op=name)


def make_unary(op) -> Callable:
    name, accepts = op.name, op.accepts
    compute, output = COMPUTE[op.result], OUTPUT[op.result]

    def fn(x, /):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: expected an nr array, got {type(x).__name__}")
        dt = x._dtype
        if dt not in accepts:
            raise bad_dtype(op, dt)
        cdt = compute.get(dt, dt)
        if cdt is not dt:
            x = _cast(x, cdt)
        odt = output.get(cdt, cdt)
        be = x._backend
        k = be.kernels.get(name)
        if k is not None and not x._requires_grad:
            return wrap(k(x._data), be, x._device, odt)
        return apply(op, (x,), EMPTY, odt)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (array API standard; accepts {op.dtypes} dtypes)."
    return fn


def make_binary(op) -> Callable:
    name, accepts = op.name, op.accepts
    compute, output = COMPUTE[op.result], OUTPUT[op.result]

    def fn(x1, x2, /):
        if isinstance(x1, Tensor):
            if isinstance(x2, Tensor):
                dev = x1._device
                if x2._device is not dev:
                    raise device_mismatch(name, x1, x2)
                dt = x1._dtype
                if x2._dtype is not dt:
                    dt = _PROMO.get((dt, x2._dtype))
                    if dt is None:
                        raise TypeError(f"{name}: dtypes {x1._dtype.name} and {x2._dtype.name} cannot be promoted "
                                        f"together (shapes {tuple(x1.shape)} and {tuple(x2.shape)})")
                if dt not in accepts:
                    raise bad_dtype(op, x1._dtype, x2._dtype) if x1._dtype is not x2._dtype else bad_dtype(op, dt)
                b1, b2 = x1._data, x2._data
                if b1.shape != b2.shape:
                    broadcast_shapes(b1.shape, b2.shape, op=name)
                cdt = compute.get(dt, dt)
                if x1._dtype is not cdt or x2._dtype is not cdt:
                    x1 = _cast(x1, cdt) if x1._dtype is not cdt else x1
                    x2 = _cast(x2, cdt) if x2._dtype is not cdt else x2
                    b1, b2 = x1._data, x2._data
                odt = output.get(cdt, cdt)
                be = x1._backend
                k = be.kernels.get(name)
                if k is not None and not (x1._requires_grad or x2._requires_grad):
                    return wrap(k(b1, b2), be, dev, odt)
                return apply(op, (x1, x2), EMPTY, odt)
            if type(x2) not in _SCALARS:
                raise TypeError(f"{name}: unsupported operand type {type(x2).__name__} with an nr array")
            arr = x1
            dt = _scalar_dtype(x1._dtype, x2, name)
        elif isinstance(x2, Tensor):
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
            arr = _cast(arr, cdt)
        odt = output.get(cdt, cdt)
        # a Python scalar goes to the kernel as a Python scalar of the compute kind
        if isinstance(x1, Tensor):
            x1, x2 = arr, _as_kind(x2, cdt)
        else:
            x1, x2 = _as_kind(x1, cdt), arr
        return apply(op, (x1, x2), EMPTY, odt)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (array API standard; accepts {op.dtypes} dtypes and Python scalars)."
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
