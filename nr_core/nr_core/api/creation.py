"""Creation functions of the standard, each with ``device=`` and a torch-style ``requires_grad=``."""
from __future__ import annotations

import numpy as np

from .. import dtypes as _d
from ..dispatch import apply, create, wrap
from ..errors import unsupported_dtype
from ..optable import OPS
from ..plugins import REGISTRY
from ..tensor import Tensor
from .data_types import astype
from .manipulation import broadcast_to, reshape
from .transfer import check_chunks, from_dlpack as _from_dlpack

__all__ = ["arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like", "linspace",
           "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like"]

_PY_DEFAULTS = {np.dtype("float64"): _d.default_float, np.dtype("complex128"): _d.default_complex,
                np.dtype("int64"): _d.default_int}


def _dtype_arg(dtype, op: str):
    if dtype is None or isinstance(dtype, _d.DType):
        return dtype
    raise TypeError(f"{op}: dtype must be an nr dtype such as nr.float32, got {dtype!r}")


def _finish(x: Tensor, requires_grad: bool) -> Tensor:
    return x.requires_grad_(True) if requires_grad else x


def _shape_arg(shape, op: str) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for s in shape:
        if not isinstance(s, int) or isinstance(s, bool) or s < 0:
            raise ValueError(f"{op}: shape must hold non-negative ints, got {shape!r}")
    return shape


def _infer_python_dtype(value) -> _d.DType:
    if isinstance(value, bool):
        return _d.bool
    if isinstance(value, int):
        return _d.default_int
    if isinstance(value, float):
        return _d.default_float
    if isinstance(value, complex):
        return _d.default_complex
    raise TypeError(f"unsupported fill value of type {type(value).__name__}")


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
        return host, dtype
    try:
        host = np.asarray(obj)
    except OverflowError:
        raise OverflowError("asarray: a Python int does not fit in int64") from None
    if host.dtype == object:
        raise TypeError(f"asarray: cannot make an array from {type(obj).__name__} holding mixed or ragged data")
    if holds_arrays:  # nested nr arrays keep their dtypes (promoted by NumPy, as for a stack)
        return host, _d.from_numpy_dtype(host.dtype)
    if host.dtype.kind == "u":  # ints past int64 made numpy pick uint64
        raise OverflowError("asarray: a Python int does not fit in int64; pass dtype=nr.uint64")
    nr_dt = _PY_DEFAULTS.get(host.dtype) or _d.from_numpy_dtype(host.dtype)
    if nr_dt.numpy != host.dtype:
        host = host.astype(nr_dt.numpy)
    return host, nr_dt


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


def _creation(op_name, shape, dtype, device, default, requires_grad, chunks=None, **params):
    dtype = _dtype_arg(dtype, op_name) or default
    dev, backend = REGISTRY.resolve(device)
    if not backend.supports_dtype(dtype, dev):
        raise unsupported_dtype(op_name, dtype, dev)
    if shape is not None:
        params["shape"] = _shape_arg(shape, op_name)
    check_chunks(op_name, backend, dev, chunks)
    out = create(OPS[op_name], backend, dev, dtype, params)
    if chunks is not None:
        out._data = backend.rechunk(out._data, chunks)  # a fresh array: nothing else holds its buffer yet
    return _finish(out, requires_grad)


def zeros(shape, *, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    return _creation("zeros", shape, dtype, device, _d.default_float, requires_grad, chunks)


def ones(shape, *, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    return _creation("ones", shape, dtype, device, _d.default_float, requires_grad, chunks)


def empty(shape, *, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    return _creation("empty", shape, dtype, device, _d.default_float, requires_grad, chunks)


def full(shape, fill_value, *, dtype=None, device=None, requires_grad: bool = False, chunks=None) -> Tensor:
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (bool, int, float, complex)):
        raise TypeError(f"full: fill_value must be a Python scalar, got {type(fill_value).__name__}")
    default = _infer_python_dtype(fill_value)
    dt = _dtype_arg(dtype, "full") or default
    if dt.kind in ("int", "uint"):
        info = np.iinfo(dt.numpy)
        if isinstance(fill_value, (int, bool)) and not info.min <= fill_value <= info.max:
            raise OverflowError(f"full: fill_value {fill_value} does not fit in {dt.name}")
    return _creation("full", shape, dt, device, default, requires_grad, chunks, fill_value=fill_value)


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
    for v in (start, stop, step):
        if not isinstance(v, (int, float)):
            raise TypeError(f"arange: start, stop and step must be real Python numbers, got {v!r}")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    is_int = all(isinstance(v, int) for v in (start, stop, step))
    default = _d.default_int if is_int else _d.default_float
    return _creation("arange", None, dtype, device, default, requires_grad, chunks, start=start, stop=stop,
                     step=step)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None, requires_grad: bool = False,
        chunks=None) -> Tensor:
    n_cols = n_rows if n_cols is None else n_cols
    _shape_arg((n_rows, n_cols), "eye")
    return _creation("eye", None, dtype, device, _d.default_float, requires_grad, chunks, n_rows=n_rows,
                     n_cols=n_cols, k=k)


def linspace(start, stop, /, num, *, dtype=None, device=None, endpoint=True, requires_grad: bool = False,
             chunks=None) -> Tensor:
    if not isinstance(num, int) or num < 0:
        raise ValueError(f"linspace: num must be a non-negative int, got {num!r}")
    default = _d.default_complex if isinstance(start, complex) or isinstance(stop, complex) else _d.default_float
    return _creation("linspace", None, dtype, device, default, requires_grad, chunks, start=start, stop=stop,
                     num=num, endpoint=endpoint)


def from_dlpack(x, /, *, device=None, copy=None) -> Tensor:
    """Import any DLPack producer (NumPy, PyTorch, CuPy, nr) as an nr array."""
    return _from_dlpack(x, device=device, copy=copy)


def _tri(op_name, x, k):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op_name}: expected an nr array, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"{op_name}: needs an array of at least 2 dimensions, got shape {x.shape}")
    return apply(OPS[op_name], (x,), {"k": k}, x._dtype)


def tril(x, /, *, k=0) -> Tensor:
    return _tri("tril", x, k)


def triu(x, /, *, k=0) -> Tensor:
    return _tri("triu", x, k)


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
