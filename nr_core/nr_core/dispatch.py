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
# the engine's ``record_computed(op, inputs, out)``: lets the elementwise fast paths record a result they
# computed themselves (set only when the engine is the one interceptor)
_record_computed: Callable | None = None


def set_interceptor(fn: Callable | None) -> None:
    global _interceptor, engine, _record_computed
    _interceptor = fn
    _record_computed = getattr(fn, "record_computed", None)
    if fn is not None and hasattr(fn, "backward"):
        engine = fn


def wrap(buf, backend, device, dtype) -> Tensor:
    """Make an nr array around a native buffer.

    The elementwise hot paths below repeat these stores inline: a call here would cost about 10% of a small op.
    """
    t = Tensor()
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
# (array dtype, Python scalar type) pairs whose result keeps the array's dtype: no cast needed
_SCALAR_KEEPS = frozenset((d, t) for d in _d.ALL_DTYPES for t in (int, float)
                          if d.kind != "bool" and (t is int or d.kind in ("float", "complex")))
_PROMO = _d.PROMOTION_TABLE
_scalar_dtype = _d.scalar_result_dtype


def _cast(x, dt):
    from .api.data_types import astype
    return astype(x, dt)


def _fast_entry(fast: dict, op, backend, dt) -> tuple:
    """Fill ``fast[dt]`` for ``backend``: (kernel, output dtype, backend), kernel None where the hot path does not
    apply (a cast is needed, the dtype is not accepted or not supported, or the backend has no kernel).

    Each elementwise op keeps one plain dict keyed by dtype, remembering the backend it was filled for: the hot
    path is one specialised dict subscript and an identity check, not a tuple key.
    """
    compute, output = COMPUTE[op.result], OUTPUT[op.result]
    k = backend.kernels.get(op.name)
    if k is None or dt not in op.accepts or compute.get(dt, dt) is not dt or not backend.supports_dtype(dt):
        k = None
    entry = fast[dt] = (k, output.get(dt, dt), backend)
    return entry


def fast_kernel(fn, backend, dt):
    """(kernel, output dtype) of the elementwise function ``fn`` for arrays of ``dt`` on ``backend``, or None."""
    entry = fn.fast.get(dt)
    if entry is None or entry[2] is not backend:
        entry = _fast_entry(fn.fast, fn.op, backend, dt)
    return entry[:2] if entry[0] is not None else None


def _with_grad(op, inputs: tuple, out: Tensor):
    """The hot path computed ``out`` and an input requires grad: record it (or, without the recording hook,
    compute it again through the interceptor); with grad mode off, it is already the answer."""
    if not _grad.enabled:
        return out
    if _record_computed is not None:
        return _record_computed(op, inputs, out)
    return apply(op, inputs, EMPTY, out._dtype)


def make_unary(op) -> Callable:
    name, accepts = op.name, op.accepts
    compute, output = COMPUTE[op.result], OUTPUT[op.result]
    fast: dict = {}

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
            x = _cast(x, cdt)
        return apply(op, (x,), EMPTY, output.get(cdt, cdt))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (array API standard; accepts {op.dtypes} dtypes)."
    fn.fast, fn.op = fast, op
    return fn


def make_binary(op) -> Callable:
    name, accepts = op.name, op.accepts
    compute, output = COMPUTE[op.result], OUTPUT[op.result]
    fast: dict = {}

    def fn(x1, x2, /):
        # hot path: two arrays of one dtype on one device
        if isinstance(x1, Tensor) and isinstance(x2, Tensor):
            dt = x1._dtype
            if x2._dtype is dt and x2._device is x1._device:
                be = x1._backend
                try:
                    k, odt, kbe = fast[dt]
                except KeyError:
                    k, odt, kbe = _fast_entry(fast, op, be, dt)
                if kbe is not be:
                    k, odt, kbe = _fast_entry(fast, op, be, dt)
                if k is not None:
                    try:
                        buf = k(x1._data, x2._data)
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
                    x1 = _cast(x1, cdt)
                if x2._dtype is not cdt:
                    x2 = _cast(x2, cdt)
                return apply(op, (x1, x2), EMPTY, output.get(cdt, cdt))
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
        # a Python scalar goes to the kernel as a Python scalar of the compute kind
        if isinstance(x1, Tensor):
            x1, x2 = arr, _as_kind(x2, cdt)
        else:
            x1, x2 = _as_kind(x1, cdt), arr
        return apply(op, (x1, x2), EMPTY, output.get(cdt, cdt))

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
