"""The kernel table: op-table names to callables on native buffers (``nr_core.optable``'s calling convention).

Elementwise ops come from the expression table (each returns a fusable node); the rest adapt the
calling convention (nr dtypes and devices) to the kernel modules. Ops absent here run through nr_core's
decompositions.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nr_core import dtypes as _d
from nr_core.optable import OPS

from .. import exprs
from . import creation, host, indexing, lazy, linalg, reductions, shape, sorting
from .buffer import DeviceBuffer


# ops done by downloading, running NumPy and uploading: their output shapes depend on the data
HOST_OPS = ("nonzero", "unique_all", "unique_counts", "unique_inverse", "unique_values")
# kernels that compute (not only move) values: complex operands or dtypes send them to the host
COMPUTING = ("clip", "sum", "prod", "all", "any", "mean", "var", "std", "cumulative_sum", "matmul", "full", "zeros", "ones",
             "empty", "linspace", "eye")
# kernels whose generators compute in the storage type: 16-bit float operands are converted to float32 for them
# (one fused cast each) and their floating results back (elementwise kernels and pure moves handle 16 bits
# themselves: the generator loads and stores them as float, moves copy their bits)
IN_FLOAT32 = ("sum", "prod", "max", "min", "all", "any", "argmax", "argmin", "mean", "var", "std", "cumulative_sum",
              "matmul", "sort", "argsort", "searchsorted", "index_add")
CREATED_IN_FLOAT32 = ("arange", "linspace", "eye")
_F32 = np.dtype(np.float32)


def _np(dt):
    return None if dt is None else np.dtype(dt.numpy)


def _astype(x, dtype, copy=True):
    dt = _np(dtype)
    if dt != x.dtype and "c" in (dt.kind, x.dtype.kind):  # no complex conversions in the generated languages
        return host.call("astype", x.rt, (x,), {"dtype": dtype, "copy": copy})
    return lazy.cast(x, dt)


def _clip(x, min=None, max=None):
    out = x
    dt = x.dtype
    if min is not None:
        out = lazy.node("maximum", (out, lazy.Const(min, dt)), dt, x.rt)
    if max is not None:
        out = lazy.node("minimum", (out, lazy.Const(max, dt)), dt, x.rt)
    return out if out is not x else lazy.cast(x, dt)


def _is_low(a) -> bool:
    return (type(a) is DeviceBuffer or type(a) is lazy.LazyArray) and a.dtype.str in exprs.LOW_FLOATS


def _narrowed(out, low):
    if isinstance(out, tuple):
        return tuple(_narrowed(o, low) for o in out)
    return lazy.cast(out, low) if out.dtype == _F32 else out


def in_float32(fn):
    """``fn`` with 16-bit float operands computed in float32; floating results stored back in 16 bits: the
    operands' dtype, or the result ``dtype`` the caller asked for when that is a 16-bit one."""
    def kernel(*args, **params):
        asked = params.get("dtype")
        asked_low = asked is not None and asked.numpy is not None and asked.numpy.str in exprs.LOW_FLOATS
        first_low = next((a.dtype for a in args if _is_low(a)), None)
        if first_low is None and not asked_low:
            return fn(*args, **params)
        if asked_low:
            target, params = asked.numpy, dict(params, dtype=_d.float32)
        else:  # a wider result dtype asked for is kept; otherwise the operands' 16-bit dtype
            target = first_low if asked is None else None
        out = fn(*(lazy.cast(a, _F32) if _is_low(a) else a for a in args), **params)
        return out if target is None else _narrowed(out, target)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def _nextafter(fn):
    """nextafter steps in the dtype's own spacing, which float arithmetic cannot give for 16-bit floats: those
    go to the host."""
    on_host = host.fallback("nextafter")

    def kernel(x1, x2):
        return on_host(x1, x2) if _is_low(x1) else fn(x1, x2)
    kernel.__name__ = "nextafter"
    return kernel


def created_in_float32(fn):
    """A creation kernel making 16-bit floats in float32, then converting them (one fused cast)."""
    def kernel(*args, dtype, **params):
        low = dtype.numpy
        if low is None or low.str not in exprs.LOW_FLOATS:
            return fn(*args, dtype=dtype, **params)
        return lazy.cast(fn(*args, dtype=_d.float32, **params), low)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def build_kernels(backend) -> dict[str, Any]:
    rt = backend.runtime
    k: dict[str, Any] = {}
    for name in sorted(exprs.ELEMENTWISE_OPS):
        op = OPS.get(name)
        if op is not None:
            k[name] = lazy.elementwise_fn(name, op.nin, name in exprs.BOOL_RESULT, host.fallback(name))
    k["imag"] = host.fallback("imag")  # complex input only
    k["clip"] = _clip
    k["astype"] = _astype

    def reduction(name):
        return lambda x, axis=None, keepdims=False, **kw: reductions.reduce(name, x, axis, keepdims, **kw)

    for name in ("sum", "prod", "max", "min", "all", "any"):
        k[name] = reduction(name)
    for name in ("argmax", "argmin"):
        k[name] = (lambda n: lambda x, axis=None, keepdims=False: reductions.reduce(
            n, x, None if axis is None else (axis,), keepdims))(name)
    k["mean"] = lambda x, axis=None, keepdims=False: reductions.mean(x, axis, keepdims)
    k["var"] = lambda x, axis=None, keepdims=False, correction=0.0: reductions.var(x, axis, keepdims, correction)
    k["std"] = lambda x, axis=None, keepdims=False, correction=0.0: reductions.var(
        x, axis, keepdims, correction, root=True)
    k["cumulative_sum"] = lambda x, axis=0, include_initial=False, dtype=None: reductions.cumulative_sum(
        x, axis, include_initial, dtype)
    k["matmul"] = linalg.matmul
    k.update(reshape=shape.reshape, permute_dims=shape.permute_dims, broadcast_to=shape.broadcast_to,
             flip=shape.flip, concat=shape.concat,
             tril=lambda x, k=0: shape.triangle(x, k, "tril"), triu=lambda x, k=0: shape.triangle(x, k, "triu"))
    k.update(getitem=indexing.getitem, setitem=indexing.setitem, take=indexing.take, index_add=indexing.index_add,
             searchsorted=indexing.searchsorted, sort=sorting.sort, argsort=sorting.argsort)
    k["full"] = lambda shape, fill_value, dtype, device: creation.full(rt(device), shape, fill_value, _np(dtype))
    for name, value in (("zeros", 0), ("ones", 1), ("empty", 0)):
        k[name] = (lambda v: lambda shape, dtype, device: creation.full(rt(device), shape, v, _np(dtype)))(value)
    k["arange"] = lambda start, stop, step, dtype, device: creation.arange(rt(device), start, stop, step, _np(dtype))
    k["linspace"] = lambda start, stop, num, endpoint, dtype, device: creation.linspace(
        rt(device), start, stop, num, endpoint, _np(dtype))
    k["eye"] = lambda n_rows, n_cols, k, dtype, device: shape.eye(rt(device), n_rows, n_cols, k, _np(dtype))
    for name in HOST_OPS:
        k[name] = host.fallback(name)
    for name in COMPUTING:
        k[name] = host.complex_aware(name, k[name], rt)
    for name in IN_FLOAT32:
        k[name] = in_float32(k[name])
    k["nextafter"] = _nextafter(k["nextafter"])
    for name in CREATED_IN_FLOAT32:
        k[name] = created_in_float32(k[name])
    return k
