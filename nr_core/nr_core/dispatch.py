"""The dispatcher: from an op-table entry and validated nr arrays to one backend kernel call.

``apply`` records through the grad engine when an input requires grad, ``run`` calls the kernel (or the op's
decomposition where the backend has none), ``create`` does the same for creation ops. The hot path is a few
attribute reads and one dict lookup (``backend.kernels.get(name)``); pluggy is never called here. Whatever
acts on every op joins through a module slot that is None when unused:

- ``_record``/``_record_computed``: the registered grad engine's functions (see ``nr_core.grad_engine``);
- ``_intercept``: the interceptors active right now (a tracer, a profiler, autocast), pushed and popped with
  ``intercepting(fn)``. Each is ``fn(op, inputs, params, proceed)`` and calls ``proceed(inputs, params)`` (the
  next interceptor, then recording and the kernel) to compute; inputs handed on with other dtypes (autocast's
  casts) retype the result the same way (a float32 result of float32 inputs cast to bfloat16 is bfloat16).
  While any is active, the frontend's shortcuts
  that skip ``apply`` (the elementwise hot path, basic indexing, in-place operators) stand aside, so every op
  of the namespace passes through ``apply`` or ``create``. ``intercepting(fn, host_read=g)`` also calls
  ``g(array, how)`` whenever an array's values are read into Python (``item``, ``bool``, ``int``, ``numpy`` …),
  which is how a tracer sees value-dependent control flow.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Callable, Iterator

from . import array_object as _array_object
from .grad_mode import state as _grad
from .optable import DECOMPOSITIONS
from .array_object import Tensor

EMPTY: dict = {}

# the grad engine's ``record(op, inputs, params, run)`` and ``record_computed(op, inputs, out)``, or None
_record: Callable | None = None
_record_computed: Callable | None = None
# the active interceptors composed into one callable (outermost first), or None
_intercept: Callable | None = None
_interceptors: list[Callable] = []
_host_readers: list[Callable] = []
_interceptors_lock = threading.Lock()
# called when interception starts or stops (the elementwise frontend drops its hot-path tables)
on_intercept_change: list[Callable[[], None]] = []


def wrap(buf, backend, device, dtype) -> Tensor:
    """Make an nr array around a native buffer."""
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


def apply(op, inputs: tuple, params: dict, out_dtype, kparams: dict | None = None):
    """Run ``op`` on validated ``inputs`` (nr arrays on one device, or Python scalars for elementwise ops).

    ``params`` are what the gradient rules see; ``kparams`` (default: ``params``) what the kernel gets. Where the
    backend has no kernel, the decomposition's own ops are recorded one by one instead.
    """
    if _intercept is not None:
        return _intercept(op, inputs, params,
                          lambda i, p: _record_or_run(op, i, p, _retyped(out_dtype, inputs, i), kparams))
    # _record_or_run's body, inline: one Python frame less for every op when nothing intercepts
    if _record is not None and _grad.enabled:
        x0 = inputs[0] if isinstance(inputs[0], Tensor) else inputs[1]
        if op.name in x0._backend.kernels:
            for t in inputs:
                if isinstance(t, Tensor) and t._requires_grad:
                    return _record(op, inputs, params, lambda i, p: run(op, i, p, out_dtype, kparams))
    return run(op, inputs, params, out_dtype, kparams)


def _record_or_run(op, inputs: tuple, params: dict, out_dtype, kparams: dict | None):
    if _record is not None and _grad.enabled:
        x0 = inputs[0] if isinstance(inputs[0], Tensor) else inputs[1]
        if op.name in x0._backend.kernels:
            for t in inputs:
                if isinstance(t, Tensor) and t._requires_grad:
                    return _record(op, inputs, params, lambda i, p: run(op, i, p, out_dtype, kparams))
    return run(op, inputs, params, out_dtype, kparams)


def _retyped(out_dtype, before: tuple, after: tuple):
    """``out_dtype`` with every input dtype that an interceptor changed replaced by the new one."""
    if after is before:
        return out_dtype
    changed = {a._dtype: b._dtype for a, b in zip(before, after)
               if isinstance(a, Tensor) and isinstance(b, Tensor) and a._dtype is not b._dtype}
    if not changed:
        return out_dtype
    if isinstance(out_dtype, tuple):
        return tuple(changed.get(d, d) for d in out_dtype)
    return changed.get(out_dtype, out_dtype)


def run(op, inputs: tuple, params: dict, out_dtype, kparams: dict | None = None):
    """Call the kernel (or the decomposition) without recording."""
    x0 = inputs[0] if isinstance(inputs[0], Tensor) else inputs[1]
    be = x0._backend
    kern = be.kernels.get(op.name)
    if kern is None:
        return decompose(op, be, inputs, params)
    args = []
    for t in inputs:  # a loop, not a comprehension: no extra frame per op on Python 3.11
        args.append(t._data if isinstance(t, Tensor) else t)
    res = kern(*args, **(params if kparams is None else kparams))
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
        raise RuntimeError(f"{op.name}: backend {backend.name!r} has no kernel for this op and it has no "
                           f"decomposition")
    return fn(*inputs, **params)


def create(op, backend, device, dtype, params: dict):
    """Creation ops: no array inputs; the kernel gets ``dtype`` and ``device`` too. Interceptors see them as
    ``(op, (), dict(params, dtype=, device=), proceed)``."""
    if _intercept is not None:
        full = dict(params, dtype=dtype, device=device)
        return _intercept(op, (), full, lambda i, p: _create(op, backend, device, dtype, params))
    kern = backend.kernels.get(op.name)  # _create's body, inline (a frame less when nothing intercepts)
    if kern is None:
        return decompose(op, backend, (), dict(params, dtype=dtype, device=device))
    return wrap(kern(dtype=dtype, device=device, **params), backend, device, dtype)


def _create(op, backend, device, dtype, params: dict):
    kern = backend.kernels.get(op.name)
    if kern is None:
        return decompose(op, backend, (), dict(params, dtype=dtype, device=device))
    return wrap(kern(dtype=dtype, device=device, **params), backend, device, dtype)


@contextlib.contextmanager
def intercepting(fn: Callable, host_read: Callable | None = None) -> Iterator[None]:
    """Route every dispatched op through ``fn(op, inputs, params, proceed)`` inside the block (process-wide;
    nested blocks compose, the innermost closest to the kernel). ``host_read(array, how)``, when given, is called
    each time an array's values are read into Python inside the block."""
    with _interceptors_lock:
        _interceptors.append(fn)
        if host_read is not None:
            _host_readers.append(host_read)
        _compose()
    try:
        yield
    finally:
        with _interceptors_lock:
            _interceptors.remove(fn)
            if host_read is not None:
                _host_readers.remove(host_read)
            _compose()


def _compose() -> None:
    global _intercept
    chain = list(_interceptors)
    if not chain:
        _intercept = None
    elif len(chain) == 1:
        _intercept = chain[0]
    else:
        def composed(op, inputs, params, proceed):
            def link(k):
                if k == len(chain):
                    return proceed
                return lambda i, p: chain[k](op, i, p, link(k + 1))
            return link(0)(inputs, params)
        _intercept = composed
    readers = list(_host_readers)
    if not readers:
        _array_object._host_read = None
    elif len(readers) == 1:
        _array_object._host_read = readers[0]
    else:
        def every_reader(t, how):
            for r in readers:
                r(t, how)
        _array_object._host_read = every_reader
    for fn in on_intercept_change:
        fn()
