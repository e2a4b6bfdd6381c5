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
from ..tensor import Tensor

# DLPack device types (dlpack.h) -> nr device kinds
_DL_KINDS = {1: "cpu", 2: "cuda", 3: "cpu", 4: "opencl", 8: "metal", 13: "cuda"}


def to_device(x: Tensor, device, stream=None) -> Tensor:
    dev, backend = REGISTRY.resolve(device)
    if dev is x._device:
        return x
    if not backend.supports_dtype(x._dtype, dev):
        raise unsupported_dtype("to_device", x._dtype, dev)
    params = {"device": dev, "source": x._device}
    move = DECOMPOSITIONS["to_device"]
    if x._requires_grad and _grad.enabled:
        # one node for the move (its decomposition is a host copy, not nr ops that would record themselves)
        return dispatch._record(TO_DEVICE, (x,), params, lambda i, p: move(*i, **p))
    return move(x, **params)


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
