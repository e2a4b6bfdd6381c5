"""Moving arrays between devices and libraries: ``to_device``, DLPack export and import."""
from __future__ import annotations

from .. import dispatch
from .. import dtypes as _d
from ..devices import Device
from ..dispatch import wrap
from ..errors import unsupported_dtype
from ..grad_mode import state as _grad
from ..ops.conversion import TO_DEVICE
from ..optable import DECOMPOSITIONS
from ..plugins import REGISTRY
from ..array_object import Tensor

# DLPack device types (dlpack.h) -> nr device kinds
_DL_KINDS = {1: "cpu", 2: "cuda", 3: "cpu", 4: "opencl", 8: "metal", 13: "cuda"}


def check_chunks(op: str, backend, device, chunks) -> None:
    """``chunks=`` is for backends that lay arrays out in chunks; elsewhere it is refused before any work."""
    if chunks is not None and not backend.capabilities.chunks:
        raise TypeError(f"{op}: chunks={chunks!r} given, but device {device} does not lay arrays out in chunks "
                        f"(a chunked backend such as dask does)")


def to_device(x: Tensor, device, stream=None, chunks=None) -> Tensor:
    dev, backend = REGISTRY.resolve(device)
    check_chunks("to_device", backend, dev, chunks)
    if dev is x._device:
        return x if chunks is None else _rechunked(x, backend, chunks)
    if not backend.supports_dtype(x._dtype, dev):
        raise unsupported_dtype("to_device", x._dtype, dev)
    params = {"device": dev, "source": x._device}
    via_host = DECOMPOSITIONS["to_device"]

    def move(x, **p):
        out = via_host(x, **p)
        return out if chunks is None else _rechunked(out, backend, chunks)
    if x._requires_grad and _grad.enabled:
        # one node for the move (its decomposition is a host copy, not nr ops that would record themselves)
        return dispatch._record(TO_DEVICE, (x,), params, lambda i, p: move(*i, **p))
    return move(x, **params)


def _rechunked(x: Tensor, backend, chunks) -> Tensor:
    """``x`` laid out in ``chunks`` on its own device; recorded as a move to the same device (gradient: identity)."""
    def run(inputs, params):
        t = inputs[0]
        return wrap(backend.rechunk(t._data, chunks), backend, t._device, t._dtype)
    if x._requires_grad and _grad.enabled:
        return dispatch._record(TO_DEVICE, (x,), {"device": x._device, "source": x._device}, run)
    return run((x,), None)


def realize(*arrays: Tensor) -> tuple[Tensor, ...]:
    """Compute lazily built arrays now, in one pass per backend (work they share is done once), and keep their
    values; returns the arrays. A no-op for eager backends."""
    by_backend: dict = {}
    for i, x in enumerate(arrays):
        if not isinstance(x, Tensor):
            raise TypeError(f"realize: expected nr arrays, got {type(x).__name__} at position {i}")
        by_backend.setdefault(id(x._backend), []).append(x)
    for group in by_backend.values():
        for x, buf in zip(group, group[0]._backend.realize([x._data for x in group])):
            x._data = buf
    return arrays


def dlpack(x: Tensor, *, stream=None, max_version=None, dl_device=None, copy=None):
    if x._requires_grad:
        # like PyTorch: a consumer would silently cut the array from the graph
        raise BufferError("__dlpack__: the array requires grad; export x.detach() instead")
    kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version), ("dl_device", dl_device),
                                ("copy", copy)) if v is not None}
    try:
        return x._backend.dlpack(x._data, **kwargs)
    except BufferError as exc:
        if x._dtype is not _d.bfloat16:
            raise
        # NumPy's DLPack has no bfloat16 (PyTorch's has): say what to do instead of NumPy's generic refusal
        raise BufferError(f"__dlpack__: the {x._device} backend cannot export bfloat16 arrays through DLPack "
                          f"({exc}); export x.astype(nr.float32) instead") from exc


def from_dlpack(obj, /, *, device=None, copy=None) -> Tensor:
    if isinstance(obj, Tensor):
        out = obj if device is None else obj.to_device(device)
        return out.clone() if copy and out is obj else out
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(obj).__name__} does not implement the DLPack protocol (__dlpack__)")
    if device is None:
        dl_type, dl_index = obj.__dlpack_device__()
        kind = _DL_KINDS.get(int(dl_type))
        if kind is None:
            raise ValueError(f"from_dlpack: DLPack device type {dl_type} has no nr backend")
        device = Device(kind, int(dl_index))
    dev, backend = REGISTRY.resolve(device)
    try:
        buf = backend.from_dlpack(obj, dev, copy=copy)
    except (BufferError, RuntimeError, TypeError) as exc:
        # NumPy refuses DLPack's bfloat16 ("Unsupported dtype in DLTensor") and other dtypes it lacks
        raise BufferError(f"from_dlpack: the {dev} backend cannot import this {type(obj).__name__} (dtype "
                          f"{getattr(obj, 'dtype', '?')}) through DLPack: {exc}; convert it to float32 first"
                          ) from exc
    dt = _d.from_numpy_dtype(buf.dtype)
    return wrap(buf, backend, dev, dt)
