"""The contract every backend fulfils: probe, devices, kernels, host and DLPack transfer."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

from . import dtypes as _d
from .devices import Device


@dataclass
class Capabilities:
    """What a backend can do; the test kit and the frontend skip or refuse by these, never by backend name."""

    # every dtype with a NumPy dtype here (bfloat16 needs ml_dtypes)
    dtypes: frozenset = frozenset(d for d in _d.ALL_DTYPES if d.numpy is not None)
    data_dependent_shapes: bool = True  # nonzero, unique_*, boolean-mask indexing
    dlpack: bool = True
    inplace_out: bool = False  # elementwise kernels take ``out=`` (in-place ``x += y`` without a temporary)
    chunks: bool = False  # arrays are laid out in chunks: creation and ``to_device`` take ``chunks=`` (``rechunk``)
    # one evaluation per finite difference is affordable; a lazy backend that builds and computes a graph per
    # evaluation says False, and the kit checks its gradients against the CPU's (checked there by differences)
    finite_differences: bool = True

    @property
    def float64(self) -> bool:
        return _d.float64 in self.dtypes


class Backend:
    """Base class of a backend. Subclasses set the class attributes and fill ``kernels``.

    ``kernels`` maps op-table names to callables on native buffers (see ``nr_core.optable`` for the
    calling convention). Ops missing from it run through the frontend's decompositions.
    """

    name: str = ""
    device_kind: str = ""
    distribution: str = ""
    install_hint: str = ""
    capabilities: Capabilities = Capabilities()
    # binary elementwise ops with a second kernel for big inputs (multi-threaded, say): name -> (min_size,
    # kernel); the frontend's hot path calls it when the first input has at least min_size elements. A backend
    # assigns its own mapping; this empty one is shared and read-only
    large_kernels: Mapping[str, tuple[int, Callable[..., Any]]] = MappingProxyType({})

    def __init__(self) -> None:
        self.kernels: dict[str, Callable[..., Any]] = {}

    # -- availability -----------------------------------------------------------------------
    def probe(self) -> tuple[bool, str]:
        """(available, reason). Import heavy runtimes (cupy, pyopencl) here, never at module import."""
        return True, "ok"

    def devices(self) -> list[Device]:
        """Devices this backend serves, in index order."""
        return [Device(self.device_kind, 0)]

    def device_names(self) -> dict[Device, str]:
        """Human-readable names for ``nr backends`` (platform and model)."""
        return {d: "" for d in self.devices()}

    def is_accelerator(self, device: Device) -> bool:
        """Whether the device is more than the host CPU (an OpenCL CPU device such as PoCL is not)."""
        return True

    def accepts_device(self, device: Device) -> bool:
        return device in self.devices()

    def supports_dtype(self, dtype: _d.DType, device: Device | None = None) -> bool:
        return dtype in self.capabilities.dtypes

    def owns(self, buf: Any) -> bool:
        """Whether ``buf`` holds its own writable, contiguous memory (not a view), so that whoever holds the only
        reference may keep it (the grad engine takes over such gradients instead of copying them)."""
        return False

    def adapt_kernel(self, name: str, kernel: Callable) -> Callable | None:
        """Wrap a kernel that a plugin registered for this backend (``register(..., kernels=)``), e.g. to run it
        in the inputs' device context, or refuse it (None: the op's decomposition runs here instead); the default
        keeps it as is."""
        return kernel

    # -- transfer ---------------------------------------------------------------------------
    def from_host(self, array: np.ndarray, device: Device) -> Any:
        """A native buffer on ``device`` holding a copy of (or, on the host, possibly a view of) ``array``."""
        raise NotImplementedError(f"backend {self.name!r} must implement from_host")

    def to_host(self, buf: Any) -> np.ndarray:
        """A numpy array with the buffer's contents (a copy for device memory)."""
        raise NotImplementedError(f"backend {self.name!r} must implement to_host")

    def dlpack(self, buf: Any, **kwargs) -> Any:
        """The buffer's ``__dlpack__`` capsule."""
        return buf.__dlpack__(**kwargs)

    def dlpack_device(self, buf: Any) -> tuple[int, int]:
        return buf.__dlpack_device__()

    def from_dlpack(self, obj: Any, device: Device, copy: bool | None = None) -> Any:
        """Import a DLPack producer as a native buffer on ``device``."""
        return self.from_host(np.from_dlpack(obj, copy=copy), device)

    # -- lazy and chunked backends ------------------------------------------------------------
    def realize(self, bufs: list) -> list:
        """Compute lazily built buffers and keep their values (``x.compute()``, ``nr.realize``), in one pass for all
        of them; returns the buffers the arrays hold from then on. Eager backends have nothing to do."""
        return list(bufs)

    def rechunk(self, buf: Any, chunks: Any) -> Any:
        """``buf`` laid out in ``chunks`` (only for backends that declare ``capabilities.chunks``)."""
        raise TypeError(f"backend {self.name!r} does not lay arrays out in chunks")

    # -- random state -----------------------------------------------------------------------
    def seed(self, seed: int) -> None:
        """Reseed device-side generators, if the backend has any (``nr.random.seed`` calls it)."""


@dataclass
class BackendStatus:
    """What discovery learned about one installed backend or plugin (for ``nr backends``)."""

    name: str
    distribution: str = ""
    version: str = ""
    backend: Backend | None = None
    available: bool = False
    reason: str = ""
    install_hint: str = ""
    devices: list = field(default_factory=list)
