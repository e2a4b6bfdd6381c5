"""The array object: metadata (dtype, device, autograd fields) around a backend-owned buffer.

Operators are bound from the op table in ``nr_core.api.operators``; PyTorch's methods come from the
``TensorMethods`` mixin (``nr_core/methods.py``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .methods import TensorMethods

_ns: Any = None  # the nr_core module, set by nr_core/__init__.py
# ``fn(array, how)`` called when an array's values are read into Python (``item``, ``bool``, ``numpy`` …) while
# ``dispatch.intercepting(..., host_read=fn)`` is active (a tracer reports value-dependent control flow); else None
_host_read: Any = None


class Tensor(TensorMethods):
    """An nr array. Create one with ``nr.asarray`` or another creation function; ``Tensor(data)`` is a TypeError.

    The dispatcher makes arrays with a bare ``Tensor()`` and fills the slots itself: no ``__new__`` or
    ``__init__`` here, because either would sit on the path of every op.
    """

    __slots__ = ("_data", "_backend", "_device", "_dtype", "_requires_grad", "_grad", "_grad_fn",
                 "_version", "_hooks", "__weakref__")
    __array_priority__ = 100  # numpy defers to our reflected operators

    # ---- standard attributes --------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        return len(self._data.shape)

    @property
    def T(self):
        if self.ndim != 2:
            raise ValueError(f"T: defined for 2-D arrays only, got shape {self.shape}; use .mT or permute_dims")
        return _ns.permute_dims(self, (1, 0))

    @property
    def mT(self):
        return _ns.matrix_transpose(self)

    def __array_namespace__(self, /, *, api_version: str | None = None):
        if api_version not in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"__array_namespace__: unsupported api_version {api_version!r}")
        return _ns

    def to_device(self, device, /, *, stream=None, chunks=None):
        """Copy to ``device`` (a no-op returning self when already there), like the standard's ``to_device``;
        ``chunks=`` (re)lays it out in chunks on a chunked device (dask)."""
        return _ns.api.transfer.to_device(self, device, stream=stream, chunks=chunks)

    def compute(self):
        """Compute the value of a lazily built array now and keep it (later ops start from it); returns the array.
        Arrays of eager backends are already computed."""
        self._data = self._backend.realize([self._data])[0]
        return self

    # ---- Python conversions ---------------------------------------------------------------
    def _scalar(self, kind: str):
        if self.numel() != 1:
            raise ValueError(f"{kind}: only an array with one element can be converted to a Python scalar, "
                             f"got shape {self.shape}")
        if _host_read is not None:
            _host_read(self, kind)
        return np.asarray(self._backend.to_host(self._data)).reshape(()).item()

    def item(self):
        return self._scalar("item")

    def __bool__(self) -> bool:
        return bool(self._scalar("__bool__"))

    def __int__(self) -> int:
        if self._dtype.kind == "complex":
            raise TypeError("__int__: cannot convert a complex array to int")
        v = self._scalar("__int__")
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            raise (ValueError if v != v else OverflowError)(f"__int__: cannot convert {v} to int")
        return int(v)

    def __float__(self) -> float:
        if self._dtype.kind == "complex":
            raise TypeError("__float__: cannot convert a complex array to float; use real() or abs()")
        return float(self._scalar("__float__"))

    def __complex__(self) -> complex:
        return complex(self._scalar("__complex__"))

    def __index__(self) -> int:
        if self._dtype.kind not in ("int", "uint"):
            raise TypeError(f"__index__: only integer arrays can be used as an index, got {self._dtype.name}")
        return int(self._scalar("__index__"))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d array")
        return self._data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._data.shape[0]))

    def numpy(self) -> np.ndarray:
        """A host NumPy copy (always a copy, never shared with the array)."""
        if self._requires_grad:
            raise RuntimeError("numpy(): the array requires grad; call .detach().numpy()")
        if _host_read is not None:
            _host_read(self, "numpy")
        out = self._backend.to_host(self._data)
        return np.array(out, copy=True)

    def tolist(self):
        if _host_read is not None:
            _host_read(self, "tolist")
        return self._backend.to_host(self._data).tolist()

    def __array__(self, dtype=None, copy=None):
        if self._device.kind != "cpu":
            raise TypeError(f"__array__: the array is on {self._device}; move it with .to_device('cpu') or use "
                            ".numpy()")
        if _host_read is not None:
            _host_read(self, "__array__")
        out = np.asarray(self._backend.to_host(self._data))  # a 0-d result may be a NumPy scalar
        if dtype is not None:
            out = out.astype(dtype, copy=False)
        return np.array(out, copy=True) if copy else out

    def __dlpack__(self, /, *, stream=None, max_version=None, dl_device=None, copy=None):
        return _ns.api.transfer.dlpack(self, stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self, /):
        return self._backend.dlpack_device(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._backend.to_host(self._data), separator=", ", prefix="nr.asarray(")
        extra = f", dtype={self._dtype.name}" if self._dtype.name not in ("float32", "int64", "bool") else ""
        if self._device.kind != "cpu" or self._device.index:
            extra += f", device='{self._device}'"
        if self._grad_fn is not None:
            extra += f", grad_fn=<{type(self._grad_fn).__name__}>"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        return f"nr.asarray({body}{extra})"

    __str__ = __repr__
    __hash__ = object.__hash__

    def __reduce__(self):
        # pickles (DataLoader workers, multiprocessing) carry host data, dtype and device, not the graph
        host = np.asarray(self._backend.to_host(self._data))
        return (_rebuild, (host, str(self._device), self._requires_grad))

    # ---- indexing ------------------------------------------------------------------------
    def __getitem__(self, key, /):
        return _ns.api.indexing.getitem(self, key)

    def __setitem__(self, key, value, /):
        _ns.api.indexing.setitem(self, key, value)

    # ---- autograd metadata (the engine is nr_autograd's) -------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True):
        if requires_grad:
            if self._dtype.kind not in ("float", "complex"):
                raise TypeError(f"requires_grad: only floating and complex arrays can require gradients, "
                                f"got dtype {self._dtype.name}")
            grad_engine("requires_grad=True")
        elif self._grad_fn is not None:
            raise RuntimeError("requires_grad_(False): only leaf arrays can stop requiring grad; use .detach()")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be an nr array or None, got {type(value).__name__}")
            if value.shape != self.shape or value._device is not self._device:
                raise ValueError(f"grad: assigned shape {value.shape} on {value.device} does not match the array's "
                                 f"shape {self.shape} on {self.device}")
        self._grad = value

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    def detach(self):
        """The same data, cut from the graph (shares memory and version counter)."""
        from .dispatch import wrap
        out = wrap(self._data, self._backend, self._device, self._dtype)
        if self._version is None:
            self._version = [0]
        out._version = self._version
        return out

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        engine = grad_engine("backward()")
        with outside_autocast():  # gradients keep the dtypes their forward ops had, even inside a region
            engine.backward((self,), (gradient,), retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this array's gradient is computed; it may return a replacement."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: the array does not require grad")
        return grad_engine("register_hook").register_hook(self, hook)

    def _bump_version(self) -> None:
        if self._version is None:
            self._version = [1]
        else:
            self._version[0] += 1


def _rebuild(host, device: str, requires_grad: bool):
    return _ns.asarray(host, device=device, requires_grad=requires_grad)


# after Tensor: the engine accessor and autocast import the dispatcher, which imports Tensor
from .amp.autocast import outside_autocast  # noqa: E402
from .grad_engine import grad_engine  # noqa: E402
