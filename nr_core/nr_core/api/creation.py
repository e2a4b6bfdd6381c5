"""Creation functions of the standard, each with ``device=`` and a torch-style ``requires_grad=``; the shape
functions also take PyTorch's separate sizes (``zeros(2, 3)``), and ``tensor``/``from_numpy`` are PyTorch's."""
from __future__ import annotations

import numpy as np

from .. import dtypes as _d
from ..dispatch import apply, create, wrap
from ..errors import unsupported_dtype
from ..optable import OPS
from ..plugins import REGISTRY
from ..array_object import Tensor
from ..shapes import as_index, normalize_shape
from .data_types import astype
from .manipulation import broadcast_to, reshape
from .transfer import check_chunks, from_dlpack as _from_dlpack

__all__ = ["arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "from_numpy", "full", "full_like",
           "linspace", "meshgrid", "ones", "ones_like", "tensor", "tril", "triu", "zeros", "zeros_like"]

# the host dtype NumPy gives Python scalars and lists -> the attribute of dtypes holding nr's default (read at call
# time: set_default_dtype changes it)
_PY_DEFAULTS = {np.dtype("float64"): "default_float", np.dtype("complex128"): "default_complex",
                np.dtype("int64"): "default_int"}


def _dtype_arg(dtype, op: str):
    if dtype is None or isinstance(dtype, _d.DType):
        return dtype
    raise TypeError(f"{op}: dtype must be an nr dtype such as nr.float32, got {dtype!r}")


def _finish(x: Tensor, requires_grad: bool) -> Tensor:
    return x.requires_grad_(True) if requires_grad else x


def _scalar_arg(value, what: str, op: str):
    """A Python or NumPy scalar, or a one-element nr array, as a Python scalar (for bounds and fill values)."""
    if isinstance(value, Tensor):
        if value.size != 1:
            raise ValueError(f"{op}: {what} must be a scalar, got an array of shape {value.shape}")
        value = value.item()
    value = _d.python_scalar(value)
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"{op}: {what} must be a number, got {type(value).__name__} {value!r}")
    return value


def _shape_arg(shape, op: str, more: tuple = ()) -> tuple[int, ...]:
    """The shape a creation call names: the standard's ``(2, 3)`` or PyTorch's ``2, 3`` (``more`` holds the rest)."""
    return normalize_shape((shape,) + more if more else shape, op)


def scalar_dtype(value, op: str = "full") -> _d.DType:
    """The default dtype of a Python scalar (bool, int, float, complex)."""
    if isinstance(value, bool):
        return _d.bool
    if isinstance(value, int):
        return _d.default_int
    if isinstance(value, float):
        return _d.default_float
    if isinstance(value, complex):
        return _d.default_complex
    raise TypeError(f"{op}: expected a Python scalar, got {type(value).__name__}")


def asarray(obj, /, *, dtype=None, device=None, copy=None, requires_grad: bool = False, chunks=None) -> Tensor:
    """An nr array from an nr array, a NumPy array, a DLPack producer, a Python scalar or nested sequence.
    ``chunks=`` lays it out in chunks on a device that has them (dask)."""
    dtype = _dtype_arg(dtype, "asarray")
    if isinstance(obj, Tensor):
        out = obj
        if device is not None or chunks is not None:
            dev, _ = REGISTRY.resolve(obj._device if device is None else device)
            if dev is not obj._device or chunks is not None:
                if copy is False:
                    raise ValueError(f"asarray: copy=False but the array is on {obj._device}, not {dev}")
                out = out.to_device(dev, chunks=chunks)
                copy = None  # the move made the copy
        if dtype is not None and dtype is not out._dtype:
            if copy is False:
                raise ValueError(f"asarray: copy=False but casting {out._dtype.name} to {dtype.name} needs a copy")
            return _finish(astype(out, dtype), requires_grad)
        if copy:
            out = _copy(out)
        return _finish(out, requires_grad)
    dev, backend = REGISTRY.resolve(device)
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        if copy is False and dtype is not None and np.dtype(dtype.numpy) != obj.dtype:
            raise ValueError(f"asarray: copy=False but casting {obj.dtype} to {dtype.name} needs a copy")
        host = np.array(obj, dtype=None if dtype is None else dtype.numpy, copy=copy)
        nr_dt = _d.from_numpy_dtype(host.dtype)
    elif hasattr(obj, "__dlpack__") and not isinstance(obj, (list, tuple)):
        host = np.from_dlpack(obj, copy=copy)
        if dtype is not None:
            host = host.astype(dtype.numpy, copy=False)
        nr_dt = _d.from_numpy_dtype(host.dtype)
    elif hasattr(obj, "__array_interface__") or isinstance(obj, (memoryview, bytearray)):  # buffer protocol
        host = np.array(obj, copy=copy)
        if dtype is not None:
            host = host.astype(dtype.numpy, copy=False)
        nr_dt = _d.from_numpy_dtype(host.dtype)
    else:
        if copy is False:
            raise ValueError("asarray: copy=False is impossible for Python scalars and sequences")
        host, nr_dt = _from_python(obj, dtype)
    if not backend.supports_dtype(nr_dt, dev):
        raise unsupported_dtype("asarray", nr_dt, dev)
    check_chunks("asarray", backend, dev, chunks)
    buf = backend.from_host(host, dev)
    return _finish(wrap(buf if chunks is None else backend.rechunk(buf, chunks), backend, dev, nr_dt), requires_grad)


_SCALAR_ARRAYS: dict = {}


def scalar_array(value, dtype, device) -> Tensor:
    """A 0-d array of the Python scalar ``value`` (an operand the frontend builds, as in ``where(c, g, 0.0)``),
    reused across calls: building one through ``asarray`` costs more than a small op. Callers only read it.
    Keyed by the value's repr, so 0.0 and -0.0 stay apart and NaN is found again."""
    key = (type(value), repr(value), dtype, device)
    t = _SCALAR_ARRAYS.get(key)
    if t is None:
        if len(_SCALAR_ARRAYS) >= 256:
            _SCALAR_ARRAYS.clear()
        t = _SCALAR_ARRAYS[key] = asarray(value, dtype=dtype, device=device)
    return t


def _copy(x: Tensor) -> Tensor:
    return astype(x, x._dtype, copy=True)


def _from_python(obj, dtype):
    _check_nested(obj)
    holds_arrays = isinstance(obj, (list, tuple)) and _holds_arrays(obj)
    if holds_arrays:
        obj = _host_leaves(obj)
    if dtype is not None:
        try:
            host = np.asarray(obj, dtype=dtype.numpy)
        except OverflowError:
            raise OverflowError(f"asarray: a value of {obj!r} does not fit in {dtype.name}") from None
        except ValueError as exc:
            raise _ragged(obj, exc) from None
        return host, dtype
    try:
        host = np.asarray(obj)
    except OverflowError:
        raise OverflowError("asarray: a Python int does not fit in int64") from None
    except ValueError as exc:
        raise _ragged(obj, exc) from None
    if host.dtype == object:
        if any(isinstance(v, int) and not isinstance(v, bool) for v in host.reshape(-1)):
            raise OverflowError("asarray: a Python int does not fit in int64")
        raise TypeError(f"asarray: cannot make an array from {type(obj).__name__} holding mixed data")
    if holds_arrays:  # nested nr arrays keep their dtypes (promoted by NumPy, as for a stack)
        return host, _d.from_numpy_dtype(host.dtype)
    if host.dtype.kind == "u":  # ints past int64 made numpy pick uint64
        raise OverflowError("asarray: a Python int does not fit in int64; pass dtype=nr.uint64")
    default = _PY_DEFAULTS.get(host.dtype)
    nr_dt = getattr(_d, default) if default else _d.from_numpy_dtype(host.dtype)
    if nr_dt.numpy != host.dtype:
        host = host.astype(nr_dt.numpy)
    return host, nr_dt


def _ragged(obj, exc: ValueError) -> ValueError:
    return ValueError(f"asarray: the nested sequences have different lengths (ragged data, {type(obj).__name__} "
                      f"of length {len(obj)}); every level must have one length ({exc})")


def _check_nested(obj):
    if not isinstance(obj, (list, tuple, bool, int, float, complex)):
        raise TypeError(f"asarray: cannot make an array from {type(obj).__name__}")


def _holds_arrays(obj) -> bool:
    return any(isinstance(o, Tensor) or isinstance(o, (list, tuple)) and _holds_arrays(o) for o in obj)


def _host_leaves(obj):
    """Nested sequences with nr arrays inside (``[[x[0] * y[1], ...]]``): the arrays as host data, any device."""
    if isinstance(obj, Tensor):
        return np.asarray(obj._backend.to_host(obj._data))
    if isinstance(obj, (list, tuple)):
        return [_host_leaves(o) for o in obj]
    return obj


def _creation(op_name, shape, dtype, device, default, requires_grad, more=(), chunks=None, **params):
    dtype = _dtype_arg(dtype, op_name) or default
    dev, backend = REGISTRY.resolve(device)
    if not backend.supports_dtype(dtype, dev):
        raise unsupported_dtype(op_name, dtype, dev)
    if shape is not None:
        params["shape"] = _shape_arg(shape, op_name, more)
    check_chunks(op_name, backend, dev, chunks)
    try:
        out = create(OPS[op_name], backend, dev, dtype, params)
    except MemoryError as exc:
        shape = params.get("shape", "")
        raise MemoryError(f"{op_name}: cannot allocate an array of shape {shape} and dtype {dtype.name} on "
                          f"{dev} ({exc})") from None
    if chunks is not None:
        out._data = backend.rechunk(out._data, chunks)  # a fresh array: nothing else holds its buffer yet
    return _finish(out, requires_grad)


def zeros(shape, *more, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    return _creation("zeros", shape, dtype, device, _d.default_float, requires_grad, more, chunks)


def ones(shape, *more, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    return _creation("ones", shape, dtype, device, _d.default_float, requires_grad, more, chunks)


def empty(shape, *more, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    return _creation("empty", shape, dtype, device, _d.default_float, requires_grad, more, chunks)


def full(shape, fill_value, *, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    fill_value = _scalar_arg(fill_value, "fill_value", "full")
    default = scalar_dtype(fill_value)
    dt = _dtype_arg(dtype, "full") or default
    if dt.kind in ("int", "uint", "bool") and isinstance(fill_value, complex):
        raise TypeError(f"full: a complex fill_value {fill_value!r} cannot fill an array of dtype {dt.name}")
    if dt.kind in ("int", "uint"):
        if isinstance(fill_value, float) and fill_value != fill_value:
            raise ValueError(f"full: fill_value nan cannot be stored in an array of dtype {dt.name}")
        info = np.iinfo(dt.numpy)
        if not info.min <= fill_value <= info.max:  # ints and floats, infinities included
            raise OverflowError(f"full: fill_value {fill_value} does not fit in {dt.name} "
                                f"[{info.min}, {info.max}]")
    return _creation("full", shape, dt, device, default, requires_grad, chunks=chunks, fill_value=fill_value)


def _like(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected an nr array, got {type(x).__name__}")


def zeros_like(x, /, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _like(x, "zeros_like")
    return zeros(x.shape, dtype=dtype or x._dtype, device=device or x._device, requires_grad=requires_grad)


def ones_like(x, /, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _like(x, "ones_like")
    return ones(x.shape, dtype=dtype or x._dtype, device=device or x._device, requires_grad=requires_grad)


def empty_like(x, /, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _like(x, "empty_like")
    return empty(x.shape, dtype=dtype or x._dtype, device=device or x._device, requires_grad=requires_grad)


def full_like(x, /, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _like(x, "full_like")
    return full(x.shape, fill_value, dtype=dtype or x._dtype, device=device or x._device,
                requires_grad=requires_grad)


def arange(start, /, stop=None, step=1, *, dtype=None, device=None, requires_grad: bool = False,
           chunks=None) -> Tensor:
    if stop is None:
        start, stop = 0, start
    start, stop, step = (_scalar_arg(v, name, "arange") for v, name in ((start, "start"), (stop, "stop"),
                                                                          (step, "step")))
    for v in (start, stop, step):
        if isinstance(v, complex):
            raise TypeError(f"arange: start, stop and step must be real numbers, got {v!r}")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    is_int = all(isinstance(v, int) for v in (start, stop, step))
    default = _d.default_int if is_int else _d.default_float
    return _creation("arange", None, dtype, device, default, requires_grad, chunks=chunks, start=start, stop=stop,
                     step=step)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None, requires_grad: bool = False,
        chunks=None) -> Tensor:
    n_rows, n_cols = normalize_shape((n_rows, n_rows if n_cols is None else n_cols), "eye", "n_rows and n_cols")
    k = as_index(k, "k", "eye")
    return _creation("eye", None, dtype, device, _d.default_float, requires_grad, chunks=chunks, n_rows=n_rows,
                     n_cols=n_cols, k=k)


def linspace(start, stop, /, num=None, *, dtype=None, device=None, endpoint=True, requires_grad: bool = False,
             steps=None, chunks=None) -> Tensor:
    (num,) = normalize_shape(steps if num is None else num, "linspace", "num")  # PyTorch calls it steps
    start, stop = _scalar_arg(start, "start", "linspace"), _scalar_arg(stop, "stop", "linspace")
    default = _d.default_complex if isinstance(start, complex) or isinstance(stop, complex) else _d.default_float
    return _creation("linspace", None, dtype, device, default, requires_grad, chunks=chunks, start=start, stop=stop,
                     num=num, endpoint=endpoint)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """PyTorch's ``tensor``: always a new array (a copy of ``data``), its dtype inferred as ``asarray`` does."""
    return asarray(data, dtype=dtype, device=device, copy=True, requires_grad=requires_grad)


def from_numpy(ndarray, /) -> Tensor:
    """PyTorch's ``from_numpy``: an array over the NumPy array's memory where the default device allows it (CPU)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(ndarray).__name__}")
    return asarray(ndarray)


def from_dlpack(x, /, *, device=None, copy=None) -> Tensor:
    """Import any DLPack producer (NumPy, PyTorch, CuPy, nr) as an nr array."""
    return _from_dlpack(x, device=device, copy=copy)


def _tri(op_name, x, k):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op_name}: expected an nr array, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"{op_name}: needs an array of at least 2 dimensions, got shape {x.shape}")
    return apply(OPS[op_name], (x,), {"k": k}, x._dtype)


def tril(x, /, diagonal=None, *, k=0) -> Tensor:
    return _tri("tril", x, k if diagonal is None else diagonal)  # PyTorch calls k diagonal


def triu(x, /, diagonal=None, *, k=0) -> Tensor:
    return _tri("triu", x, k if diagonal is None else diagonal)


def meshgrid(*arrays, indexing="xy") -> list[Tensor]:
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    for a in arrays:
        if not isinstance(a, Tensor) or a.ndim != 1:
            raise ValueError("meshgrid: every input must be a 1-D nr array")
    if len({a._dtype for a in arrays}) > 1:
        raise TypeError("meshgrid: inputs must share one dtype")
    n = len(arrays)
    sizes = [a.shape[0] for a in arrays]
    if indexing == "xy" and n >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, a in enumerate(arrays):
        axis = i
        if indexing == "xy" and n >= 2 and i < 2:
            axis = 1 - i
        shape = [1] * n
        shape[axis] = a.shape[0]
        out.append(broadcast_to(reshape(a, tuple(shape)), tuple(sizes)))
    return out
