"""PyTorch's Tensor methods, inherited by ``Tensor``: thin calls into the namespace (``_ns``, bound when ``nr_core``
finishes importing), so each spelling has one implementation. Methods follow PyTorch where it differs from the
namespace functions: ``x.max(1)`` gives ``(values, indices)``, ``x.std()`` is unbiased, ``x.squeeze(0)`` leaves a
dimension that is not of size 1 alone. In-place methods (``add_``...) write through the same path as ``x += y``:
the version counter is bumped and autograd checks the write.
"""
from __future__ import annotations

from typing import Any

from . import dtypes as _d
from .api.aliases import axis_of

_ns: Any = None  # the nr_core module, set by nr_core/__init__.py


class ElementCount(int):
    """``x.size``: the element count (an int, as the standard has it) that can also be called as PyTorch's
    ``x.size()`` (the shape) and ``x.size(dim)`` (one extent)."""

    def __new__(cls, shape: tuple):
        n = 1
        for s in shape:
            n *= s
        out = super().__new__(cls, n)
        out._shape = shape
        return out

    def __call__(self, dim: int | None = None):
        shape = self._shape
        if dim is None:
            return shape
        if not -len(shape) <= dim < len(shape):
            raise IndexError(f"size: dimension {dim} is out of range for shape {shape} "
                             f"(expected one in [{-len(shape)}, {len(shape) - 1}])")
        return shape[dim]

    def __reduce__(self):
        return (int, (int(self),))


def store(x, result, name: str):
    """Write ``result`` (computed out of place) into ``x``, cast to x's dtype: the tail of every in-place method."""
    if result._dtype is not x._dtype:
        if not (_ns.can_cast(result._dtype, x._dtype) or result._dtype.kind == x._dtype.kind):
            raise TypeError(f"{name} (in place): result dtype {result._dtype.name} cannot be stored in "
                            f"an array of dtype {x._dtype.name}")
        result = _ns.astype(result, x._dtype)
    if result.shape != x.shape:
        raise ValueError(f"{name} (in place): result shape {result.shape} does not match the array's "
                         f"shape {x.shape}")
    x[...] = result
    return x


def _sizes(args) -> tuple:
    """PyTorch's ``f(2, 3)`` or ``f((2, 3))``."""
    return tuple(args[0]) if len(args) == 1 and not isinstance(args[0], int) else args


def _correction(correction, unbiased) -> float:
    if unbiased is not None:
        if correction is not None:
            raise TypeError("std/var: got both correction= and unbiased=; pass one")
        return 1.0 if unbiased else 0.0
    return 1.0 if correction is None else correction


# PyTorch spellings that nr spells differently, and how: reading one raises an AttributeError that says so.
# (Properties on these names only: a __getattr__ would slow every attribute read of every array.)
TORCH_HINTS = {
    "stride": "nr arrays have no strides: memory layouts are the backend's",
    "storage": "nr arrays expose no storage: use x.numpy() or DLPack (nr.from_dlpack, x.__dlpack__)",
    "data_ptr": "nr arrays expose no pointer: use DLPack (x.__dlpack__) to share memory",
    "pin_memory": "pin batches with DataLoader(pin_memory=True); arrays themselves have no pinned state",
    "retain_grad": "gradients of non-leaf arrays: x.register_hook(fn) or nr_autograd.grad(out, x)",
    "type": "cast with x.to(dtype) or x.astype(dtype); x.dtype is the dtype",
}


def _nn_functional(method: str):
    try:
        import nr_nn.functional as F
    except ImportError:
        raise AttributeError(f"Tensor.{method} needs nr-nn (pip install nr-nn), which holds the op") from None
    return F


class TensorMethods:
    """PyTorch's methods of ``Tensor`` (a mixin without state: ``Tensor`` holds the slots)."""

    __slots__ = ()

    def __dir__(self):
        # Python's "Did you mean" for a misspelt attribute comes from here: it must not offer _data or _backend
        return [n for n in super().__dir__() if not n.startswith("_") or n.startswith("__")]

    # ---- shape and metadata --------------------------------------------------------------------
    @property
    def size(self) -> ElementCount:
        return ElementCount(self._data.shape)

    def numel(self) -> int:
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    def dim(self) -> int:
        return len(self._data.shape)

    ndimension = dim

    def element_size(self) -> int:
        return self._dtype.itemsize

    def is_floating_point(self) -> bool:
        return self._dtype.kind == "float"

    def is_complex(self) -> bool:
        return self._dtype.kind == "complex"

    @property
    def is_cuda(self) -> bool:
        return self._device.kind == "cuda"

    def is_contiguous(self) -> bool:
        return True  # layouts are the backend's: every array reads as a contiguous one

    def contiguous(self):
        return self

    @property
    def data(self):
        """PyTorch's ``x.data``: the same buffer, detached from the graph, with its own version counter (writes
        through it are not seen by autograd, as in PyTorch). Assigning replaces the buffer."""
        from .dispatch import wrap
        return wrap(self._data, self._backend, self._device, self._dtype)

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, TensorMethods):
            raise TypeError(f"data: expected an nr array, got {type(value).__name__}")
        self._data, self._backend, self._device, self._dtype = value._data, value._backend, value._device, value._dtype

    def __format__(self, spec: str) -> str:
        if self.numel() == 1:
            return format(self.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} for an array of shape {self.shape} "
                            "(only one-element arrays format like numbers)")
        return str(self)

    # ---- moves and casts -------------------------------------------------------------------------
    def to(self, *args, **kwargs):
        """``x.to("cuda")``, ``x.to(nr.float64)``, ``x.to(device, dtype)``, ``x.to(other)`` (other's device and
        dtype), ``x.to(device=..., dtype=..., non_blocking=..., copy=...)``."""
        device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)  # transfers are synchronous
        if kwargs:
            raise TypeError(f"to: unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _d.DType):
                dtype = a
            elif isinstance(a, TensorMethods):
                device, dtype = a._device, a._dtype
            elif isinstance(a, (str, _ns.Device)):
                device = a
            else:
                raise TypeError(f"to: expected a device, a dtype or an array, got {a!r}")
        out = self if device is None else self.to_device(device)
        if dtype is not None and dtype is not out._dtype:
            return _ns.astype(out, dtype)
        return _ns.asarray(out, copy=True) if copy and out is self else out

    def cpu(self):
        return self.to_device("cpu")

    def cuda(self, device=None):
        return self.to_device("cuda" if device is None else f"cuda:{getattr(device, 'index', device)}")

    def astype(self, dtype, /, *, copy: bool = True):
        return _ns.astype(self, dtype, copy=copy)

    def type_as(self, other):
        return _ns.astype(self, other._dtype, copy=False)

    def float(self):
        return _ns.astype(self, _d.float32, copy=False)

    def double(self):
        return _ns.astype(self, _d.float64, copy=False)

    def half(self):
        return _ns.astype(self, _d.float16, copy=False)

    def bfloat16(self):
        return _ns.astype(self, _d.bfloat16, copy=False)

    def long(self):
        return _ns.astype(self, _d.int64, copy=False)

    def int(self):
        return _ns.astype(self, _d.int32, copy=False)

    def bool(self):
        return _ns.astype(self, _d.bool, copy=False)

    def clone(self):
        return _ns.asarray(self, copy=True)

    # ---- creation like this array ----------------------------------------------------------------
    def _new(self, fn, size, dtype, device, requires_grad, *extra):
        return fn(_sizes(size), *extra, dtype=dtype or self._dtype, device=device or self._device,
                  requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return self._new(_ns.zeros, size, dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return self._new(_ns.ones, size, dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return self._new(_ns.empty, size, dtype, device, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False):
        return self._new(_ns.full, (size,), dtype, device, requires_grad, fill_value)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False):
        return _ns.tensor(data, dtype=dtype or self._dtype, device=device or self._device,
                          requires_grad=requires_grad)

    # ---- reductions (``dim``/``keepdim``, and the standard's ``axis``/``keepdims``) ---------------------
    def sum(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False, dtype=None):
        return _ns.sum(self, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)

    def prod(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False, dtype=None):
        return _ns.prod(self, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False, dtype=None):
        return _ns.mean(self, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)

    def max(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        """``x.max()`` the maximum, ``x.max(dim)`` PyTorch's ``(values, indices)``, ``x.max(other)`` elementwise."""
        dim = axis_of("max", axis, dim)
        return _ns.max(self) if dim is None else _ns.max(self, dim, keepdims if keepdim is None else keepdim)

    def min(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        dim = axis_of("min", axis, dim)
        return _ns.min(self) if dim is None else _ns.min(self, dim, keepdims if keepdim is None else keepdim)

    def amax(self, dim=None, keepdim: bool = False):
        return _ns.max(self, axis=dim, keepdims=keepdim)

    def amin(self, dim=None, keepdim: bool = False):
        return _ns.min(self, axis=dim, keepdims=keepdim)

    def std(self, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims: bool = False):
        """Unbiased by default, as PyTorch's (``nr.std(x)`` keeps the standard's ``correction=0``)."""
        return _ns.std(self, axis=axis_of("std", axis, dim), keepdims=keepdims if keepdim is None else keepdim,
                       correction=_correction(correction, unbiased))

    def var(self, dim=None, unbiased=None, keepdim=None, *, correction=None, axis=None, keepdims: bool = False):
        """Unbiased by default, as PyTorch's (``nr.var(x)`` keeps the standard's ``correction=0``)."""
        return _ns.var(self, axis=axis_of("var", axis, dim), keepdims=keepdims if keepdim is None else keepdim,
                       correction=_correction(correction, unbiased))

    def argmax(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        return _ns.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        return _ns.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def all(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        return _ns.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim=None, keepdim=None, *, axis=None, keepdims: bool = False):
        return _ns.any(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def logsumexp(self, dim, keepdim: bool = False):
        return _ns.logsumexp(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None):
        return _ns.norm(self, p, dim, keepdim, dtype)

    def cumsum(self, dim: int, *, dtype=None):
        return _ns.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype=None):
        return _ns.cumprod(self, dim, dtype=dtype)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        """PyTorch's ``(values, indices)`` along ``dim``."""
        return _ns.sort(self, dim, descending)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        return _ns.argsort(self, dim, descending, True)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
        return _ns.topk(self, k, dim, largest, sorted)

    # ---- shape ---------------------------------------------------------------------------------------
    def reshape(self, *shape):
        return _ns.reshape(self, _sizes(shape))

    view = reshape

    def view_as(self, other):
        return _ns.reshape(self, other.shape)

    reshape_as = view_as

    def expand(self, *sizes):
        sizes = _sizes(sizes)
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        return _ns.broadcast_to(self, shape)

    def expand_as(self, other):
        return _ns.broadcast_to(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        return _ns.flatten(self, start_dim, end_dim)

    def permute(self, *dims):
        return _ns.permute_dims(self, _sizes(dims))

    def transpose(self, dim0: int, dim1: int):
        return _ns.transpose(self, dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t: expects an array of at most 2 dimensions, got shape {self.shape}; use transpose")
        return _ns.permute_dims(self, (1, 0)) if self.ndim == 2 else self

    def squeeze(self, dim=None):
        return _ns.squeeze(self) if dim is None else _ns.squeeze(self, dim=dim)

    def unsqueeze(self, dim: int):
        return _ns.expand_dims(self, axis=dim)

    def triu(self, diagonal: int = 0):
        return _ns.triu(self, diagonal)

    def tril(self, diagonal: int = 0):
        return _ns.tril(self, diagonal)

    def repeat(self, *sizes):
        """PyTorch's ``repeat`` (NumPy's ``tile``; the standard's ``repeat`` repeats elements)."""
        return _ns.tile(self, _sizes(sizes))

    def flip(self, *dims):
        return _ns.flip(self, _sizes(dims))

    def split(self, split_size, dim: int = 0):
        return _ns.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0):
        return _ns.chunk(self, chunks, dim)

    def narrow(self, dim: int, start: int, length: int):
        return _ns.narrow(self, dim, start, length)

    def unbind(self, dim: int = 0):
        return _ns.unbind(self, dim)

    # ---- indexing ------------------------------------------------------------------------------------
    def index_select(self, dim: int, index):
        return _ns.index_select(self, dim, index)

    def gather(self, dim: int, index):
        return _ns.gather(self, dim, index)

    def scatter(self, dim: int, index, src=None, *, value=None, reduce=None):
        return _ns.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index, src):
        return _ns.scatter_add(self, dim, index, src)

    def masked_fill(self, mask, value):
        return _ns.masked_fill(self, mask, value)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1):
        return _ns.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal: int = 0):
        return _ns.diag(self, diagonal)

    def trace(self):
        return _ns.api.linalg.torch_trace(self)  # nr_core.trace is the tracer package

    def masked_select(self, mask):
        """The elements where ``mask`` (broadcast with ``self``) is true, as a 1-D array."""
        shape = _ns.broadcast_shapes(self.shape, mask.shape)
        return _ns.broadcast_to(self, shape)[_ns.broadcast_to(mask, shape)]

    def nonzero(self, *, as_tuple: bool = False):
        """PyTorch's ``(n, ndim)`` int64 indices of the non-zero elements (``as_tuple=True``: the standard's tuple)."""
        if as_tuple:
            return _ns.nonzero(self if self.ndim else _ns.reshape(self, (1,)))
        if not self.ndim:
            return _ns.zeros((int(bool(self)), 0), dtype=_ns.int64, device=self._device)
        return _ns.stack(_ns.nonzero(self), axis=1)

    def equal(self, other) -> bool:
        """Same shape and elements (PyTorch's ``x.equal``; ``nr.equal`` is the standard's elementwise one)."""
        return self.shape == other.shape and bool(_ns.all(_ns.equal(self, other)))

    # softmax lives in nr_nn (it is one of its fused ops); looked up when called, so nr_core needs no nr_nn
    def softmax(self, dim: int, dtype=None):
        return _nn_functional("softmax").softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim: int, dtype=None):
        return _nn_functional("log_softmax").log_softmax(self, dim, dtype=dtype)

    # ---- arithmetic and math -------------------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return _ns.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        return _ns.subtract(self, other if alpha == 1 else other * alpha)

    def mul(self, other):
        return _ns.multiply(self, other)

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return _ns.divide(self, other)
        if rounding_mode == "floor":
            return _ns.floor_divide(self, other)
        if rounding_mode == "trunc":
            q = _ns.divide(self, other)
            return _ns.astype(_ns.trunc(q), self._dtype) if self._dtype.kind in ("int", "uint") else _ns.trunc(q)
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")

    def neg(self):
        return _ns.negative(self)

    def pow(self, exponent):
        return _ns.pow(self, exponent)

    def abs(self):
        return _ns.abs(self)

    def exp(self):
        return _ns.exp(self)

    def log(self):
        return _ns.log(self)

    def sqrt(self):
        return _ns.sqrt(self)

    def tanh(self):
        return _ns.tanh(self)

    def sigmoid(self):
        return _ns.sigmoid(self)

    def relu(self):
        return _ns.relu(self)

    def clip(self, min=None, max=None):  # noqa: A002
        return _ns.clip(self, min, max)

    clamp = clip

    def isclose(self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
        return _ns.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        return _ns.allclose(self, other, rtol, atol, equal_nan)

    def lerp(self, end, weight):
        return _ns.lerp(self, end, weight)

    def matmul(self, other):
        return _ns.matmul(self, other)

    def mm(self, other):
        return _ns.mm(self, other)

    def bmm(self, other):
        return _ns.bmm(self, other)

    def dot(self, other):
        return _ns.dot(self, other)

    def outer(self, other):
        return _ns.outer(self, other)

    def eq(self, other):
        return _ns.equal(self, other)

    def ne(self, other):
        return _ns.not_equal(self, other)

    def lt(self, other):
        return _ns.less(self, other)

    def le(self, other):
        return _ns.less_equal(self, other)

    def gt(self, other):
        return _ns.greater(self, other)

    def ge(self, other):
        return _ns.greater_equal(self, other)

    # ---- in place (version counter bumped; autograd refuses what it cannot record) ----------------------
    def add_(self, other, *, alpha=1):
        return self.__iadd__(other if alpha == 1 else other * alpha)

    def sub_(self, other, *, alpha=1):
        return self.__isub__(other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return self.__imul__(other)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return self.__itruediv__(other)
        return store(self, self.div(other, rounding_mode=rounding_mode), "div_")

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self.__iadd__(tensor1 * tensor2 if value == 1 else tensor1 * tensor2 * value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self.__iadd__(tensor1 / tensor2 if value == 1 else tensor1 / tensor2 * value)

    def clamp_(self, min=None, max=None):  # noqa: A002
        return store(self, _ns.clip(self, min, max), "clamp_")

    clip_ = clamp_

    def lerp_(self, end, weight):
        return store(self, _ns.lerp(self, end, weight), "lerp_")

    def masked_fill_(self, mask, value):
        return store(self, _ns.masked_fill(self, mask, value), "masked_fill_")

    def scatter_(self, dim: int, index, src=None, *, value=None, reduce=None):
        return store(self, _ns.scatter(self, dim, index, src, value=value, reduce=reduce), "scatter_")

    def scatter_add_(self, dim: int, index, src):
        return store(self, _ns.scatter_add(self, dim, index, src), "scatter_add_")

    def multinomial(self, num_samples: int, replacement: bool = False):
        return _ns.random.multinomial(self, num_samples, replacement)

    def bernoulli(self, p=None):
        return _ns.random.bernoulli(self, p)

    def uniform_(self, a: float = 0.0, b: float = 1.0):
        return store(self, _ns.random.uniform(self.shape, a, b, dtype=self._dtype, device=self._device), "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0):
        return store(self, _ns.random.normal(self.shape, mean, std, dtype=self._dtype, device=self._device),
                     "normal_")

    def copy_(self, src):
        """Copy ``src`` (an array or scalar, broadcast to this shape) into this array in place."""
        _ns.api.indexing.setitem(self, Ellipsis, src)
        return self

    def fill_(self, value):
        _ns.api.indexing.setitem(self, Ellipsis, value)
        return self

    def zero_(self):
        return self.fill_(0)


def _differs(name: str, hint: str) -> property:
    def spelled_otherwise(self):
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'; {hint}")
    return property(spelled_otherwise, doc=f"Not an nr method: {hint}.")


for _name, _hint in TORCH_HINTS.items():
    if not hasattr(TensorMethods, _name):
        setattr(TensorMethods, _name, _differs(_name, _hint))
del _name, _hint


def _unary_inplace(method: str, fn: str):
    def inplace(self):
        return store(self, getattr(_ns, fn)(self), method)
    inplace.__name__ = inplace.__qualname__ = method
    inplace.__doc__ = f"``{fn}`` in place."
    return inplace


for _fn in ("abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "negative", "floor", "ceil", "round", "sin",
            "cos"):
    _method = ("neg" if _fn == "negative" else _fn) + "_"
    setattr(TensorMethods, _method, _unary_inplace(_method, _fn))
del _fn, _method
