"""Plugin discovery: the ``nr`` pluggy manager, the ``nr.backends`` entry points, and the flat tables
(backends by device kind, the interceptor, extra decompositions and gradient rules) that dispatch reads.

Discovery runs once, lazily, on the first device resolution. Each entry point loads in its own ``try``:
a broken plugin is recorded and listed, never allowed to break ``import nr_core`` or other plugins.
"""
from __future__ import annotations

import importlib.metadata as _md
import os
import sys
import threading
import traceback
from typing import Any, Callable

import pluggy

from . import dispatch, hookspecs, optable
from .backend import Backend, BackendStatus
from .devices import Device, parse_device_string
from .errors import DeviceUnavailableError, PluginError

ENTRY_POINT_GROUP = "nr.backends"

# What to install for the device kinds the project ships backends for.
INSTALL_HINTS = {
    "cpu": 'pip install nr-backend-cpu   (or: pip install neurarust)',
    "cuda": 'pip install "neurarust[cuda]"   (nr-backend-cuda with cupy-cuda12x; needs an NVIDIA GPU and driver)',
    "opencl": 'pip install "neurarust[opencl]"   (nr-backend-opencl with pyopencl; "pyopencl[pocl]" adds a CPU OpenCL device)',
    "metal": 'pip install "neurarust[metal]"   (nr-backend-metal; macOS with Apple silicon only)',
}


class Registry:
    """Everything discovery found. One instance, ``REGISTRY``, lives for the process."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("nr")
        self.pm.add_hookspecs(hookspecs)
        self.statuses: dict[str, BackendStatus] = {}  # plugin or backend name -> status
        self.by_kind: dict[str, Backend] = {}
        self.interceptors: dict[str, Callable] = {}
        self.vjps: dict[str, Callable] = {}
        self.samples: dict[str, Callable] = {}  # op -> sample-input generator for the backend test kit
        self._discovered = False
        self._lock = threading.RLock()
        self._default_device: Device | None = None

    # -- discovery -------------------------------------------------------------------------
    def ensure(self) -> None:
        if not self._discovered:
            self.discover()

    def discover(self) -> None:
        with self._lock:
            if self._discovered:
                return
            self._discovered = True
            selected = os.environ.get("NR_PLUGINS")
            wanted = None if selected is None else {s.strip() for s in selected.split(",") if s.strip()}
            for ep in _md.entry_points(group=ENTRY_POINT_GROUP):
                if wanted is not None and ep.name not in wanted:
                    continue
                dist = getattr(ep, "dist", None)
                dist_name = dist.metadata["Name"] if dist is not None else ""
                version = dist.version if dist is not None else ""
                try:
                    module = ep.load()
                except Exception as exc:  # a broken plugin is reported, not fatal
                    self._record_failure(ep.name, dist_name, version, exc)
                    continue
                self.register_plugin(module, name=ep.name, distribution=dist_name, version=version)

    def _record_failure(self, name: str, dist: str, version: str, exc: BaseException) -> None:
        if os.environ.get("NR_STRICT_PLUGINS") == "1":
            raise PluginError(f"plugin {name!r} ({dist} {version}) failed: {exc!r}") from exc
        reason = f"failed to load: {type(exc).__name__}: {exc}"
        self.statuses[name] = BackendStatus(name, dist, version, available=False, reason=reason)
        if os.environ.get("NR_DEBUG_PLUGINS") == "1":
            traceback.print_exception(exc, file=sys.stderr)

    def register_plugin(self, plugin: Any, name: str, distribution: str = "", version: str = "") -> None:
        """Register a plugin object or module and run its hooks now; failures are recorded per plugin."""
        with self._lock:
            if self.pm.is_registered(plugin):  # e.g. a plugin package that registered itself on import
                status = self.statuses.get(name)
                if status is not None and not status.distribution:
                    status.distribution, status.version = distribution, version
                return
            try:
                self.pm.register(plugin, name=name)
            except Exception as exc:
                self._record_failure(name, distribution, version, exc)
                return
            calls = (
                ("nr_register_ops", self._register_op),
                ("nr_register_backends", lambda be: self._register_backend(be, name, distribution, version)),
                ("nr_register_interceptors", self._register_interceptor),
            )
            hooks = []
            for hook_name, register in calls:
                for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                    if impl.plugin is not plugin:
                        continue
                    hooks.append(hook_name)
                    try:
                        impl.function(register=register)
                    except Exception as exc:
                        self._record_failure(name, distribution, version, exc)
                        return
            if not any(getattr(s, "_plugin", None) == name for s in self.statuses.values()):
                # a plugin without a backend (autograd, nn …) is listed too, with the hooks it provides
                self.statuses[name] = BackendStatus(name, distribution, version, available=True,
                                                    reason="provides " + ", ".join(hooks or ["no hooks"]))

    def unregister_plugin(self, name: str) -> None:
        """Remove a plugin and whatever backends it registered (used by tests)."""
        with self._lock:
            plugin = self.pm.get_plugin(name)
            if plugin is not None:
                self.pm.unregister(plugin)
            gone = [k for k, s in self.statuses.items() if k == name or getattr(s, "_plugin", None) == name]
            for k in gone:
                st = self.statuses.pop(k)
                if st.backend is not None and self.by_kind.get(st.backend.device_kind) is st.backend:
                    del self.by_kind[st.backend.device_kind]
            self._default_device = None

    def _register_backend(self, backend: Backend, plugin: str, dist: str, version: str) -> None:
        if not isinstance(backend, Backend):
            raise TypeError(f"plugin {plugin!r} registered {backend!r}, which is not an nr_core.backend.Backend")
        status = BackendStatus(backend.name, dist or backend.distribution, version, backend=backend,
                               install_hint=backend.install_hint or INSTALL_HINTS.get(backend.device_kind, ""))
        status._plugin = plugin  # type: ignore[attr-defined]
        status.reason = "not probed yet"
        self.statuses[backend.name] = status
        self.by_kind.setdefault(backend.device_kind, backend)

    def _register_interceptor(self, name: str, interceptor: Callable) -> None:
        self.interceptors[name] = interceptor
        dispatch.set_interceptor(_compose(list(self.interceptors.values())))

    def _register_op(self, opdef, decomposition=None, vjp=None, samples=None) -> None:
        optable.register_op(opdef)
        if decomposition is not None:
            dispatch.DECOMPOSITIONS[opdef.name] = decomposition
        if vjp is not None:
            self.vjps[opdef.name] = vjp
        if samples is not None:
            self.samples[opdef.name] = samples

    # -- backends and devices ---------------------------------------------------------------
    def probe(self, status: BackendStatus) -> BackendStatus:
        if status.backend is not None and status.reason == "not probed yet":
            try:
                ok, reason = status.backend.probe()
                status.available, status.reason = bool(ok), reason
                status.devices = status.backend.devices() if ok else []
            except Exception as exc:  # a probe that raises is an unavailable backend, with its reason
                status.available, status.reason = False, f"probe failed: {type(exc).__name__}: {exc}"
                if os.environ.get("NR_STRICT_PLUGINS") == "1":
                    raise PluginError(status.reason) from exc
        return status

    def all_statuses(self) -> list[BackendStatus]:
        self.ensure()
        return [self.probe(s) for s in self.statuses.values()]

    def backend_for(self, device: Device) -> Backend:
        """The available backend serving ``device``, or DeviceUnavailableError saying why and how to fix it."""
        self.ensure()
        backend = self.by_kind.get(device.kind)
        hint = INSTALL_HINTS.get(device.kind, "")
        if backend is None:
            installed = ", ".join(sorted(self.by_kind)) or "none"
            fix = f"; to enable it: {hint}" if hint else "; install a plugin that provides it"
            raise DeviceUnavailableError(
                f"device {device}: no installed backend provides device kind {device.kind!r} "
                f"(installed kinds: {installed}){fix}")
        status = self.probe(self.statuses[backend.name])
        if not status.available:
            raise DeviceUnavailableError(
                f"device {device}: backend {backend.name!r} is installed but unavailable: {status.reason}; "
                f"to fix: {status.install_hint or hint}")
        if not backend.accepts_device(device):
            have = ", ".join(str(d) for d in status.devices) or "none"
            raise DeviceUnavailableError(f"device {device}: backend {backend.name!r} has no such device (it has: {have})")
        return backend

    def resolve(self, device) -> tuple[Device, Backend]:
        """Any accepted device spec (None, str, Device) -> (Device, Backend)."""
        if device is None:
            device = self.default_device()
        elif isinstance(device, str):
            device = parse_device_string(device)
        elif not isinstance(device, Device):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0' or an nr.Device, got {device!r}")
        return device, self.backend_for(device)

    def default_device(self) -> Device:
        if self._default_device is None:
            spec = os.environ.get("NR_DEFAULT_DEVICE", "cpu").strip() or "cpu"
            dev = parse_device_string(spec)
            self.backend_for(dev)  # fail loudly and early on a bad NR_DEFAULT_DEVICE
            self._default_device = dev
        return self._default_device

    def set_default_device(self, device) -> None:
        dev, _ = self.resolve(device)
        self._default_device = dev

    def available_devices(self) -> list[Device]:
        out: list[Device] = []
        for s in self.all_statuses():
            if s.available and s.backend is not None and self.by_kind.get(s.backend.device_kind) is s.backend:
                out.extend(s.devices)
        return out


def _compose(interceptors: list[Callable]) -> Callable:
    if len(interceptors) == 1:
        return interceptors[0]

    def chained(op, inputs, params, run):
        inner = run
        for ic in reversed(interceptors[1:]):
            inner = (lambda ic_, nxt: lambda i, p: ic_(op, i, p, nxt))(ic, inner)
        return interceptors[0](op, inputs, params, inner)
    return chained


REGISTRY = Registry()


def register(plugin: Any, name: str) -> None:
    """Register a plugin in code (the entry point's equivalent; handy in tests and notebooks)."""
    REGISTRY.ensure()
    REGISTRY.register_plugin(plugin, name=name)


def unregister(name: str) -> None:
    REGISTRY.unregister_plugin(name)
