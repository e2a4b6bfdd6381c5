"""Moving arrays between devices and libraries: ``to_device``, DLPack export and import."""
from __future__ import annotations

import numpy as np

from .. import dispatch
from ..devices import Device
from ..dispatch import wrap
from ..grad_mode import state as _grad
from ..optable import OPS
from ..plugins import REGISTRY
from ..tensor import Tensor

_TO_DEVICE = OPS["to_device"]

# DLPack device types (dlpack.h) -> nr device kinds
_DL_KINDS = {1: "cpu", 2: "cuda", 3: "cpu", 4: "opencl", 8: "metal", 13: "cuda"}


def to_device(x: Tensor, device, stream=None) -> Tensor:
    dev, backend = REGISTRY.resolve(device)
    if dev is x._device:
        return x
    if not backend.supports_dtype(x._dtype, dev):
        raise TypeError(f"to_device: dtype {x._dtype.name} is not supported on device {dev}")

    def run(inputs, params):
        src = inputs[0]
        host = src._backend.to_host(src._data)
        if backend is src._backend:  # fake devices of one backend share memory: copy to keep them apart
            host = np.array(host, copy=True)
        return wrap(backend.from_host(np.array(host, order="C", copy=None), dev), backend, dev, src._dtype)

    if x._requires_grad and _grad.enabled and dispatch._interceptor is not None:
        return dispatch._interceptor(_TO_DEVICE, (x,), {"device": dev, "source": x._device}, run)
    return run((x,), None)


def dlpack(x: Tensor, *, stream=None, max_version=None, dl_device=None, copy=None):
    if x._requires_grad:
        # like PyTorch: a consumer would silently cut the array from the graph
        raise BufferError("__dlpack__: the array requires grad; export x.detach() instead")
    kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version), ("dl_device", dl_device),
                                ("copy", copy)) if v is not None}
    return x._backend.dlpack(x._data, **kwargs)


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
    buf = backend.from_dlpack(obj, dev, copy=copy)
    from .. import dtypes as _d
    dt = _d.from_numpy_dtype(buf.dtype)
    return wrap(buf, backend, dev, dt)
