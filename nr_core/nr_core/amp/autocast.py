"""``autocast``: per-op casts to a 16-bit float dtype, applied by the dispatcher before the kernel.

One interceptor (``dispatch.intercepting``) is installed while any thread has an enabled region, so code that never
uses autocast pays nothing. The state is thread-local: the region's dtype per device kind, a cast cache (a weight
is cast once per region, also across forward passes inside it) and a flag set while an op's own body runs, so
decompositions and composite functions see autocast only once, at their entry, as in PyTorch.
"""
from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Callable

from .. import dispatch
from .. import dtypes as _d
from ..grad_mode import state as _grad
from ..array_object import Tensor
from .policy import effective

_DEFAULT_DTYPE = {"cuda": _d.float16}  # everything else: bfloat16 (PyTorch's CPU default)


class _State(threading.local):
    def __init__(self) -> None:
        self.active: dict[str, _d.DType] = {}  # device kind -> dtype of the enabled region
        self.stack: list[tuple] = []           # (device kind, previous dtype or None, installed, prev cache flag)
        self.cache: dict[tuple, tuple] = {}    # (id, dtype, grad mode) -> (source, version, cast)
        self.cache_enabled = True
        self.busy = False                      # inside an op or function autocast already handled


_state = _State()
_users = 0                      # enabled regions open in all threads; the interceptor is installed while > 0
_users_lock = threading.Lock()
_installed: contextlib.AbstractContextManager | None = None


def _install() -> None:
    global _users, _installed
    with _users_lock:
        _users += 1
        if _users == 1:
            _installed = dispatch.intercepting(_intercept)
            _installed.__enter__()


def _uninstall() -> None:
    global _users, _installed
    with _users_lock:
        _users -= 1
        if _users == 0:
            _installed.__exit__(None, None, None)
            _installed = None


class autocast(contextlib.ContextDecorator):
    """Run the ops of a region in a lower precision where their policy says so (``nr.amp.table()``).

    ``device_type``: the device kind whose arrays are cast (``"cpu"``, ``"cuda"``, ``"opencl"`` …); ``dtype``:
    ``nr.float16`` or ``nr.bfloat16`` (default bfloat16, float16 for CUDA); ``enabled=False`` turns autocast off
    inside an enclosing region. A context manager and a decorator; regions nest and are per thread.
    """

    def __init__(self, device_type: str, dtype: _d.DType | None = None, enabled: bool = True,
                 cache_enabled: bool = True) -> None:
        if not isinstance(device_type, str) or ":" in device_type:
            raise ValueError(f"autocast: device_type must be a device kind such as 'cpu' or 'cuda', got "
                             f"{device_type!r}")
        if dtype is None:
            dtype = _DEFAULT_DTYPE.get(device_type, _d.bfloat16)
        if dtype not in _d.LOW_PRECISION:
            raise TypeError(f"autocast: dtype must be nr.float16 or nr.bfloat16, got {dtype!r}")
        if not isinstance(enabled, bool):
            raise TypeError(f"autocast: enabled must be a bool, got {enabled!r}")
        self.device_type, self.dtype, self.enabled, self.cache_enabled = device_type, dtype, enabled, cache_enabled

    def __enter__(self) -> "autocast":
        if self.enabled:
            _check_device(self.device_type, self.dtype)
        st = _state
        kind = self.device_type
        st.stack.append((kind, st.active.get(kind), self.enabled, st.cache_enabled))
        if self.enabled:
            st.active[kind] = self.dtype
            st.cache_enabled = self.cache_enabled
            _install()
        else:
            st.active.pop(kind, None)
        return self

    def __exit__(self, *exc) -> None:
        st = _state
        kind, previous, installed, cache_enabled = st.stack.pop()
        if previous is None:
            st.active.pop(kind, None)
        else:
            st.active[kind] = previous
        st.cache_enabled = cache_enabled
        if not st.stack:
            st.cache.clear()  # casts of weights live as long as the outermost region
        if installed:
            _uninstall()


def _check_device(kind: str, dtype: _d.DType) -> None:
    from ..plugins import REGISTRY
    kinds = {}
    for status in REGISTRY.all_statuses():
        be = status.backend
        if be is not None and status.available:
            kinds[be.device_kind] = be
    be = kinds.get(kind)
    if be is None:
        raise ValueError(f"autocast: no available backend serves device type {kind!r} (available: "
                         f"{', '.join(sorted(kinds)) or 'none'})")
    if not be.supports_dtype(dtype):
        raise TypeError(f"autocast: dtype {dtype.name} is not supported on device type {kind!r} (backend "
                        f"{be.name!r})")


@contextlib.contextmanager
def outside_autocast():
    """Suspend this thread's autocast (``Tensor.backward`` runs in it: gradient rules are not cast)."""
    st = _state
    busy, st.busy = st.busy, True
    try:
        yield
    finally:
        st.busy = busy


def is_autocast_enabled(device_type: str = "cpu") -> bool:
    """Whether ops on ``device_type`` arrays are autocast in this thread right now."""
    return device_type in _state.active


def get_autocast_dtype(device_type: str = "cpu") -> _d.DType | None:
    """The dtype of this thread's enabled region for ``device_type`` (None outside one)."""
    return _state.active.get(device_type)


def _target(policy: str, low: _d.DType, tensors: list) -> _d.DType:
    if policy == "low":
        return low
    if policy == "fp32":
        return _d.float32
    out = None  # promote: the widest floating dtype among the inputs
    for t in tensors:
        if t._dtype.kind == "float":
            out = t._dtype if out is None else _d.promote_types(out, t._dtype)
    return out


def _cast(t: Tensor, dtype: _d.DType, st: _State) -> Tensor:
    from ..api.data_types import astype
    if t._dtype is dtype or t._dtype.kind != "float" or t._dtype is _d.float64 and dtype is not _d.float64:
        return t  # only 16/32-bit floats are eligible (float64 stays, as in PyTorch)
    if not (st.cache_enabled and t._requires_grad and t._grad_fn is None):
        return astype(t, dtype)
    version = t._version[0] if t._version else 0
    key = (id(t), dtype, _grad.enabled)
    hit = st.cache.get(key)
    if hit is not None and hit[0] is t and hit[1] == version:
        return hit[2]
    out = astype(t, dtype)
    st.cache[key] = (t, version, out)
    return out


def _region_dtype(st: _State, values) -> _d.DType | None:
    for v in values:
        if isinstance(v, Tensor):
            return st.active.get(v._device.kind)
    return None


def _intercept(op, inputs: tuple, params: dict, proceed: Callable):
    st = _state
    if st.busy or not st.active:
        return proceed(inputs, params)
    policy = effective(op.name)
    low = None if policy is None else _region_dtype(st, inputs)
    if low is None:
        return proceed(inputs, params)
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    dtype = _target(policy, low, tensors)
    cast = tuple(_cast(t, dtype, st) if isinstance(t, Tensor) else t for t in inputs)
    st.busy = True
    try:
        return proceed(cast, params)
    finally:
        st.busy = False


def autocast_policy(name: str, policy: str) -> Callable[[Callable], Callable]:
    """Declare the autocast policy of a composite function (not an op: ``linear``, a loss) in the op registry's
    table and apply it when the function is called inside a region: its floating array arguments are cast first,
    then its body runs with autocast handled (its own ops are not cast again)."""
    from ..optable import declare_amp
    declare_amp(name, policy)

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any):
            if not _users:
                return fn(*args, **kwargs)
            st = _state
            pol = effective(name)
            if st.busy or not st.active or pol is None:
                return fn(*args, **kwargs)
            low = _region_dtype(st, (*args, *kwargs.values()))
            if low is None:
                return fn(*args, **kwargs)
            dtype = _target(pol, low, [v for v in (*args, *kwargs.values()) if isinstance(v, Tensor)])
            args = tuple(_cast(a, dtype, st) if isinstance(a, Tensor) else a for a in args)
            kwargs = {k: _cast(v, dtype, st) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
            st.busy = True
            try:
                return fn(*args, **kwargs)
            finally:
                st.busy = False
        return wrapper
    return deco
