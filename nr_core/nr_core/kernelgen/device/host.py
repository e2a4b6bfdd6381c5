"""Ops computed by NumPy on a host copy: complex arithmetic (complex arrays live in device memory and are moved,
viewed, gathered and scattered there as float2/double2, but the generated languages have no complex math) and the ops whose
output shape depends on the data (nonzero, unique_*)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .buffer import DeviceBuffer
from .lazy import LazyArray
from .transfer import from_host, to_host

_REF: dict = {}


def reference(name: str) -> Callable:
    """NumPy's kernel for ``name`` (nr_core's ndarray backend over numpy, the CPU backend's own code)."""
    if not _REF:
        from nr_core.ndarray_backend import NdarrayBackend
        _REF.update(NdarrayBackend(np).kernels)
    return _REF[name]


def is_array(a) -> bool:
    return type(a) is DeviceBuffer or type(a) is LazyArray


def is_complex(a) -> bool:
    return is_array(a) and a.dtype.kind == "c"


def call(name: str, rt, args: tuple, params: dict) -> Any:
    """Download the array operands, run NumPy's kernel, upload the result(s) to ``rt``'s device."""
    res = reference(name)(*(to_host(a) if is_array(a) else a for a in args), **params)
    if isinstance(res, tuple):
        return tuple(from_host(rt, np.asarray(r)) for r in res)
    return from_host(rt, np.asarray(res))


def fallback(name: str) -> Callable:
    """``kernel(*args, **params)`` on the host; the device is that of the first array operand."""
    def kernel(*args, **params):
        return call(name, next(a for a in args if is_array(a)).rt, args, params)
    kernel.__name__ = name
    return kernel


def complex_aware(name: str, fn: Callable, runtime: Callable) -> Callable:
    """``fn`` on the device, or NumPy on the host when an operand or the requested dtype is complex."""
    def kernel(*args, **params):
        dt = params.get("dtype")
        if any(is_complex(a) for a in args) or (dt is not None and dt.kind == "complex"):
            first = next((a for a in args if is_array(a)), None)
            rt = first.rt if first is not None else runtime(params["device"])
            return call(name, rt, args, params)
        return fn(*args, **params)
    kernel.__name__ = name
    return kernel
