"""A backend over any NumPy-like module ``xp`` (numpy, cupy, …): the shared base of the CPU and CUDA backends.

A subclass sets ``xp`` and the device facts; everything else comes from here. Kernels follow the
calling convention of ``nr_core.optable``: native buffers in, native buffers out, nr DTypes in params.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from . import dtypes as _d
from . import optable
from .backend import Backend, Capabilities
from .ndarray_linalg import NdarrayLinalgKernels
from .ndarray_special import NdarraySpecialCaseKernels

# standard name -> classic numpy name, for modules that predate the 2024.12 spellings
_CLASSIC = {
    "acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh", "atan": "arctan",
    "atanh": "arctanh", "atan2": "arctan2", "bitwise_invert": "invert", "bitwise_left_shift": "left_shift",
    "bitwise_right_shift": "right_shift", "pow": "power", "concat": "concatenate", "permute_dims": "transpose",
}
# non-elementwise ops whose kernel is simply the module's function of that name
_DIRECT = ("broadcast_to", "flip", "tril", "triu")
# 16-bit floats accumulate in float32: sums, products, BLAS calls, factorisations (NumPy has no float16 linalg and
# a bfloat16 matmul that returns float32); results are stored back in the input's dtype
ACCUMULATE = {d.numpy: np.dtype(np.float32) for d in _d.LOW_PRECISION if d.numpy is not None}


def _np_dtype(dt):
    return None if dt is None else dt.numpy


def _narrow(x, low):
    """``x`` rounded to the 16-bit ``low``; overflow gives inf, as 16-bit arithmetic does (no NumPy warning)."""
    with np.errstate(over="ignore"):
        return x.astype(low)


def _restore(out, low):
    if isinstance(out, tuple):
        return tuple(_restore(o, low) for o in out)
    dt = getattr(out, "dtype", None)
    return _narrow(out, low) if dt is not None and dt.kind == "f" and dt != low else out


def upcast(fn):
    """``fn`` computing 16-bit float inputs in float32 and storing its floating results in the input's dtype."""
    def kernel(*bufs, **params):
        low = next((b.dtype for b in bufs if getattr(b, "dtype", None) in ACCUMULATE), None)
        if low is None:
            return fn(*bufs, **params)
        wide = ACCUMULATE[low]
        return _restore(fn(*(b.astype(wide) if getattr(b, "dtype", None) in ACCUMULATE else b for b in bufs),
                           **params), low)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


_BASIC_INDEX = (int, slice, type(None), type(Ellipsis))  # index parts that never repeat an element

class NdarrayBackend(NdarraySpecialCaseKernels, NdarrayLinalgKernels, Backend):
    """Kernels for a NumPy-compatible array module. Subclasses set ``xp`` (or pass it) and device facts.

    Plugins add kernels for their own ops to every backend of this family with
    ``register(..., kernels={NdarrayBackend: fn})`` (nr_nn does, for conv, pooling and the rest).
    """

    xp: ModuleType = np
    capabilities = Capabilities(inplace_out=True)

    def __init__(self, xp: ModuleType | None = None) -> None:
        super().__init__()
        if xp is not None:
            self.xp = xp
        self.kernels.update(self.make_kernels())

    # -- kernel table -------------------------------------------------------------------------
    def _fn(self, name: str):
        xp = self.xp
        fn = getattr(xp, name, None)
        if fn is None and name in _CLASSIC:
            fn = getattr(xp, _CLASSIC[name], None)
        return fn

    def make_kernels(self) -> dict[str, Any]:
        """``k_<op>`` methods, then the module's own function for every other elementwise op of the table."""
        k: dict[str, Any] = {name[2:]: getattr(self, name) for name in dir(self) if name.startswith("k_")}
        direct = [n for n, op in optable.OPS.items() if op.kind == "elementwise"] + list(_DIRECT)
        for name in direct:
            fn = None if name in k else self._fn(name)
            if fn is not None:
                k[name] = fn
        for name, fn in k.items():
            op = optable.OPS.get(name)
            if op is not None and op.kind in ("linalg", "fft") and name not in ("matmul", "tensordot", "vecdot"):
                k[name] = upcast(fn)
        return k

    def adapt_kernel(self, name: str, kernel):
        """Plugins' kernels (nr_nn's conv, norms, softmax …) compute 16-bit inputs in float32."""
        return upcast(kernel)

    # -- elementwise with a twist ------------------------------------------------------------
    def k_sigmoid(self, x):
        # 0.5*tanh(x/2)+0.5 is exact at the tails where 1/(1+exp(-x)) overflows
        xp = self.xp
        out = xp.tanh(xp.multiply(x, 0.5))
        return xp.add(xp.multiply(out, 0.5, out=out), 0.5, out=out) if isinstance(out, xp.ndarray) else out * 0.5 + 0.5

    def k_relu(self, x):
        out = self.xp.maximum(x, 0)
        # NumPy's float16 maximum keeps -0.0 where float32's gives +0.0; adding +0.0 makes them agree
        return self.xp.add(out, 0) if x.dtype in ACCUMULATE else out

    def k_sign(self, x):
        if x.dtype in ACCUMULATE:  # ml_dtypes' bfloat16 sign keeps -0.0; float32's gives +0.0
            return self.xp.sign(x.astype(ACCUMULATE[x.dtype])).astype(x.dtype)
        return self.xp.sign(x)

    def k_square(self, x):
        return self.xp.multiply(x, x)

    def k_round(self, x):
        return self.xp.round(x)

    def k_clip(self, x, min=None, max=None):
        xp = self.xp
        out = x
        if min is not None:
            out = xp.maximum(out, min)
        if max is not None:
            out = xp.minimum(out, max)
        return out.copy() if out is x else out

    def k_matmul(self, x1, x2):
        wide = ACCUMULATE.get(x1.dtype)
        if wide is None:
            return self.xp.matmul(x1, x2)
        return _narrow(self.xp.matmul(x1.astype(wide), x2.astype(wide)), x1.dtype)

    def k_astype(self, x, dtype, copy=True):
        return x.astype(dtype.numpy, copy=copy)

    # -- reductions -----------------------------------------------------------------------------
    def _accumulated(self, fn, x, dtype, **kw):
        """``fn`` (a NumPy-style reduction or scan) in float32 for 16-bit input, stored back in the input's dtype."""
        wide = ACCUMULATE.get(x.dtype) if dtype is None else None
        if wide is None:
            return fn(x, dtype=_np_dtype(dtype), **kw)
        return _narrow(self.xp.asarray(fn(x, dtype=wide, **kw)), x.dtype)

    def k_sum(self, x, axis=None, keepdims=False, dtype=None):
        return self._accumulated(self.xp.sum, x, dtype, axis=axis, keepdims=keepdims)

    def k_prod(self, x, axis=None, keepdims=False, dtype=None):
        return self._accumulated(self.xp.prod, x, dtype, axis=axis, keepdims=keepdims)

    def k_max(self, x, axis=None, keepdims=False):
        return self.xp.max(x, axis=axis, keepdims=keepdims)

    def k_min(self, x, axis=None, keepdims=False):
        return self.xp.min(x, axis=axis, keepdims=keepdims)

    def k_mean(self, x, axis=None, keepdims=False):
        return self._accumulated(self.xp.mean, x, None, axis=axis, keepdims=keepdims)

    def k_var(self, x, axis=None, keepdims=False, correction=0.0):
        return self._accumulated(self.xp.var, x, None, axis=axis, keepdims=keepdims, ddof=correction)

    def k_std(self, x, axis=None, keepdims=False, correction=0.0):
        return self._accumulated(self.xp.std, x, None, axis=axis, keepdims=keepdims, ddof=correction)

    def k_all(self, x, axis=None, keepdims=False):
        return self.xp.all(x, axis=axis, keepdims=keepdims)

    def k_any(self, x, axis=None, keepdims=False):
        return self.xp.any(x, axis=axis, keepdims=keepdims)

    def k_argmax(self, x, axis=None, keepdims=False):
        return self.xp.argmax(x, axis=axis, keepdims=keepdims).astype(np.int64, copy=False)

    def k_argmin(self, x, axis=None, keepdims=False):
        return self.xp.argmin(x, axis=axis, keepdims=keepdims).astype(np.int64, copy=False)

    def k_count_nonzero(self, x, axis=None, keepdims=False):
        return self.xp.asarray(self.xp.count_nonzero(x, axis=axis, keepdims=keepdims), dtype=np.int64)

    def k_logsumexp(self, x, axis=None, keepdims=False):
        if x.dtype in ACCUMULATE:
            return _narrow(self.k_logsumexp(x.astype(ACCUMULATE[x.dtype]), axis, keepdims), x.dtype)
        xp = self.xp
        m = xp.max(x, axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
        return out if keepdims else (xp.squeeze(out, axis=axis) if axis is not None else out.reshape(()))

    def _scan(self, fn, x, axis, include_initial, dtype, initial):
        xp = self.xp
        out = self._accumulated(fn, x, dtype, axis=axis)
        if include_initial:
            shape = list(out.shape)
            shape[axis] = 1
            out = xp.concatenate([xp.full(shape, initial, dtype=out.dtype), out], axis=axis)
        return out

    def k_cumulative_sum(self, x, axis=0, include_initial=False, dtype=None):
        return self._scan(self.xp.cumsum, x, axis, include_initial, dtype, 0)

    def k_cumulative_prod(self, x, axis=0, include_initial=False, dtype=None):
        return self._scan(self.xp.cumprod, x, axis, include_initial, dtype, 1)

    def k_diff(self, x, axis=-1, n=1):
        return self.xp.diff(x, n=n, axis=axis)

    # -- linear algebra -------------------------------------------------------------------------
    def k_tensordot(self, x1, x2, axes=2):
        wide = ACCUMULATE.get(x1.dtype)
        if wide is None:
            return self.xp.tensordot(x1, x2, axes=axes)
        return _narrow(self.xp.tensordot(x1.astype(wide), x2.astype(wide), axes=axes), x1.dtype)

    def k_vecdot(self, x1, x2, axis=-1):
        xp = self.xp
        return self._accumulated(xp.sum, xp.conj(x1) * x2, None, axis=axis)

    # -- shape ----------------------------------------------------------------------------------
    def k_reshape(self, x, shape, copy=None):
        if copy:
            return self.xp.reshape(x, shape).copy()
        if copy is False:
            out = x.view()
            try:
                out.shape = shape
            except AttributeError:
                raise ValueError(f"reshape: cannot reshape {x.shape} to {shape} without copying (copy=False)") from None
            return out
        return self.xp.reshape(x, shape)

    def k_permute_dims(self, x, axes):
        return self.xp.transpose(x, axes)

    def k_expand_dims(self, x, axis):
        return self.xp.expand_dims(x, axis)

    def k_squeeze(self, x, axis):
        return self.xp.squeeze(x, axis=axis)

    def k_matrix_transpose(self, x):
        return self.xp.swapaxes(x, -1, -2)

    def k_moveaxis(self, x, source, destination):
        return self.xp.moveaxis(x, source, destination)

    def k_roll(self, x, shift, axis=None):
        return self.xp.roll(x, shift, axis=axis)

    def k_concat(self, *xs, axis=0):
        return self.xp.concatenate(xs, axis=axis)

    def k_stack(self, *xs, axis=0):
        return self.xp.stack(xs, axis=axis)

    def k_tile(self, x, repetitions):
        return self.xp.tile(x, repetitions)

    def k_repeat(self, x, repeats, axis=None):
        return self.xp.repeat(x, repeats, axis=axis)

    # -- indexing -------------------------------------------------------------------------------
    def k_getitem(self, x, key):
        return x[key]

    def k_setitem(self, x, value, key):
        if not isinstance(x, self.xp.ndarray):  # ufuncs give 0-d results as immutable scalars
            x = self.xp.asarray(x).copy()
        x[key] = value
        return x

    def k_take(self, x, indices, axis=None):
        return self.xp.take(x, indices, axis=axis)

    def k_take_along_axis(self, x, indices, axis=-1):
        return self.xp.take_along_axis(x, indices, axis=axis)

    def k_index_add(self, x, values, key):
        out = x.copy()
        parts = key if type(key) is tuple else (key,)
        if all(type(k) in _BASIC_INDEX for k in parts):
            # ints and slices select each element once: a plain add into the view (the gradient of x[a:b]);
            # ufunc.at, for repeated indices, costs tens of times more
            view = out[parts if Ellipsis in parts else parts + (Ellipsis,)]  # a view, never a scalar copy
            self.xp.add(view, values, out=view)
        else:
            self._add_at(out, key, values)
        return out

    def _add_at(self, out, key, values):
        self.xp.add.at(out, key, values)

    def k_nonzero(self, x):
        return tuple(i.astype(np.int64, copy=False) for i in self.xp.nonzero(x))

    def k_searchsorted(self, x1, x2, side="left", sorter=None):
        return self.xp.searchsorted(x1, x2, side=side, sorter=sorter).astype(np.int64, copy=False)

    # -- sorting and sets -----------------------------------------------------------------------
    def k_argsort(self, x, axis=-1, descending=False, stable=True):
        xp = self.xp
        if not descending:
            return xp.argsort(x, axis=axis, kind="stable").astype(np.int64, copy=False)
        # stable descending: sort the reversed array ascending, reverse back, map indices
        n = x.shape[axis]
        idx = xp.flip(xp.argsort(xp.flip(x, axis=axis), axis=axis, kind="stable"), axis=axis)
        return (n - 1 - idx).astype(np.int64, copy=False)

    def k_sort(self, x, axis=-1, descending=False, stable=True):
        if not descending:
            return self.xp.sort(x, axis=axis, kind="stable")
        return self.xp.take_along_axis(x, self.k_argsort(x, axis, True, stable), axis=axis)

    def _unique(self, x, **flags):
        xp = self.xp
        flat = x.reshape(-1)
        return xp.unique(flat, **flags, equal_nan=False) if "equal_nan" in _unique_params(xp) else \
            xp.unique(flat, **flags)

    def k_unique_values(self, x):
        return self._unique(x)

    def k_unique_counts(self, x):
        v, c = self._unique(x, return_counts=True)
        return v, c.astype(np.int64, copy=False)

    def k_unique_inverse(self, x):
        v, inv = self._unique(x, return_inverse=True)
        return v, inv.reshape(x.shape).astype(np.int64, copy=False)

    def k_unique_all(self, x):
        v, idx, inv, c = self._unique(x, return_index=True, return_inverse=True, return_counts=True)
        return (v, idx.astype(np.int64, copy=False), inv.reshape(x.shape).astype(np.int64, copy=False),
                c.astype(np.int64, copy=False))

    # -- creation -------------------------------------------------------------------------------
    def k_arange(self, start, stop, step, dtype, device):
        return self.xp.arange(start, stop, step, dtype=dtype.numpy)

    def k_full(self, shape, fill_value, dtype, device):
        return self.xp.full(shape, fill_value, dtype=dtype.numpy)

    def k_zeros(self, shape, dtype, device):
        return self.xp.zeros(shape, dtype=dtype.numpy)

    def k_ones(self, shape, dtype, device):
        return self.xp.ones(shape, dtype=dtype.numpy)

    def k_empty(self, shape, dtype, device):
        return self.xp.empty(shape, dtype=dtype.numpy)

    def k_eye(self, n_rows, n_cols, k, dtype, device):
        return self.xp.eye(n_rows, n_cols, k=k, dtype=dtype.numpy)

    def k_linspace(self, start, stop, num, endpoint, dtype, device):
        return self.xp.linspace(start, stop, num, endpoint=endpoint, dtype=dtype.numpy)

    def k_tril(self, x, k=0):
        return self.xp.tril(x, k=k)

    def k_triu(self, x, k=0):
        return self.xp.triu(x, k=k)

    def for_slabs(self, fn, *arrays) -> None:
        """``fn(*arrays)`` for an elementwise, in-place ``fn`` over arrays of one shape (None passes through): a
        backend may call it once per contiguous slab of the arrays instead, in parallel (the CPU backend does)."""
        fn(*arrays)

    def strided_gemm(self, dtype) -> bool:
        """Whether ``gemm`` takes 2-D strided views of ``dtype`` in place (a convolution then sums one product per
        kernel offset over shifted windows of its input instead of copying columns)."""
        return False

    def gemm(self, a, b, out, beta: float) -> bool:
        """``out = a @ b + beta * out`` in place for 2-D views; False where the backend cannot (the caller
        computes it another way)."""
        return False

    def native(self, path: str):
        """The ctypes library built from the host C source at ``path`` (a kernel's one-pass form of work that
        would take many short calls here), or None where the backend runs no host code, as on a GPU: the kernel
        then takes its array-module path."""
        return None

    def owns(self, buf) -> bool:
        flags = getattr(buf, "flags", None)  # 0-d ufunc results are immutable scalars: no flags
        return flags is not None and flags.owndata and flags.writeable and flags.c_contiguous

    # -- transfer -------------------------------------------------------------------------------
    def from_host(self, array: np.ndarray, device) -> Any:
        return self.xp.asarray(array)

    def to_host(self, buf) -> np.ndarray:
        return np.asarray(buf)

    def dlpack(self, buf, **kwargs):
        return self.xp.asarray(buf).__dlpack__(**kwargs)

    def dlpack_device(self, buf):
        return self.xp.asarray(buf).__dlpack_device__()


_UNIQUE_PARAMS: dict = {}


def _unique_params(xp) -> frozenset:
    got = _UNIQUE_PARAMS.get(xp.__name__)
    if got is None:
        import inspect
        try:
            got = frozenset(inspect.signature(xp.unique).parameters)
        except (TypeError, ValueError):
            got = frozenset()
        _UNIQUE_PARAMS[xp.__name__] = got
    return got
