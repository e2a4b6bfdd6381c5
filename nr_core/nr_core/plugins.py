"""Plugin discovery: the ``nr`` pluggy manager, the ``nr.backends`` entry points, and the flat tables that
dispatch reads (backends by device kind; ops, kernels and rules in ``optable``; the grad engine's slots).

Discovery runs once, lazily, on the first device resolution, under a lock (threads wait for it). Each entry
point loads in its own ``try``, and an import or a backend probe that takes longer than ``NR_PLUGIN_TIMEOUT``
is abandoned: a broken, hung or process-ending plugin (``sys.exit()``, any ``BaseException``) is recorded and
listed, never allowed to break ``import nr_core``, other plugins or the user's process.
"""
from __future__ import annotations

import importlib.metadata as _md
import sys
import threading
import traceback
from typing import Any, Callable

import pluggy

from . import grad_engine, hookspecs, optable, settings
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

_NOT_PROBED = "not probed yet"


class _Timeout(Exception):
    pass


# set in the discovering thread and the workers it starts: they must not wait for discovery to finish
_in_discovery = threading.local()


def _guarded(fn: Callable, timeout: float | None):
    """``fn()`` (in a daemon thread when ``timeout`` is given): its result, the BaseException it raised wrapped
    in ``_Failure``, or a ``_Timeout`` failure.

    Never lets a plugin end the process (``SystemExit``) or hang the caller; Ctrl-C in the caller still works.
    """
    if timeout is None:
        try:
            return fn()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: B036 (a plugin's sys.exit() must not end the user's process)
            return _Failure(exc)
    box: list = []
    discovering = getattr(_in_discovery, "active", False)

    def target():
        _in_discovery.active = discovering
        try:
            box.append(fn())
        except BaseException as exc:  # noqa: B036
            box.append(_Failure(exc))

    worker = threading.Thread(target=target, name="nr-plugin", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return _Failure(_Timeout(f"did not finish within {timeout:g} s (NR_PLUGIN_TIMEOUT)"))
    return box[0]


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _being_imported(module_name: str) -> bool:
    """Whether ``module_name``'s top package is being imported right now (by this thread, typically: a package
    whose import triggered discovery). Loading its entry point in another thread would wait on that import."""
    top = sys.modules.get(module_name.partition(".")[0])
    return bool(getattr(getattr(top, "__spec__", None), "_initializing", False))


class Registry:
    """Everything discovery found. One instance, ``REGISTRY``, lives for the process."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("nr")
        self.pm.add_hookspecs(hookspecs)
        self.statuses: dict[str, BackendStatus] = {}  # plugin or backend name -> status
        self.by_kind: dict[str, Backend] = {}
        self._discovered = False
        self._discovery_lock = threading.Lock()  # one discovery; other threads wait for it
        self._lock = threading.RLock()  # the tables below
        self._probe_locks: dict[str, threading.Lock] = {}
        self._default_device: Device | None = None
        self._engines_of: dict[str, list[str]] = {}  # plugin -> the grad engines it registered

    # -- discovery -------------------------------------------------------------------------
    def ensure(self) -> None:
        if not self._discovered:
            self.discover()

    def discover(self) -> None:
        # discovery itself (and a plugin it imports that creates an array) may get here again: carry on
        if getattr(_in_discovery, "active", False):
            return
        with self._discovery_lock:
            if self._discovered:
                return
            _in_discovery.active = True
            try:
                wanted = settings.selected_plugins()
                for ep in _md.entry_points(group=ENTRY_POINT_GROUP):
                    if wanted is None or ep.name in wanted:
                        self._load(ep)
            finally:
                _in_discovery.active = False
                self._discovered = True

    def _load(self, ep) -> None:
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else ""
        version = dist.version if dist is not None else ""
        timeout = None if _being_imported(getattr(ep, "value", "")) else settings.plugin_timeout()
        module = _guarded(ep.load, timeout)
        if isinstance(module, _Failure):
            self._record_failure(ep.name, dist_name, version, module.exc, "failed to load")
        else:
            self.register_plugin(module, name=ep.name, distribution=dist_name, version=version)

    def _record_failure(self, name: str, dist: str, version: str, exc: BaseException, what: str) -> None:
        if settings.strict_plugins():
            raise PluginError(f"plugin {name!r} ({dist} {version}) {what}: {exc!r}") from exc
        reason = f"{what}: {type(exc).__name__}: {exc}" if not isinstance(exc, _Timeout) else f"{what}: {exc}"
        self.statuses[self._free_key(name, dist)] = BackendStatus(name, dist, version, available=False,
                                                                  reason=reason)
        if settings.debug_plugins():
            traceback.print_exception(exc, file=sys.stderr)

    def _free_key(self, name: str, dist: str) -> str:
        """``name``, or a distinct key when a plugin or backend of that name is already listed."""
        if name not in self.statuses:
            return name
        key, i = f"{name} ({dist or 'unknown'})", 2
        while key in self.statuses:
            key, i = f"{name} ({dist or 'unknown'} #{i})", i + 1
        return key

    def register_plugin(self, plugin: Any, name: str, distribution: str = "", version: str = "") -> None:
        """Register a plugin object or module and run its hooks now; failures are recorded per plugin."""
        with self._lock:
            if self.pm.is_registered(plugin):  # e.g. a plugin package that registered itself on import
                status = self.statuses.get(name)
                if status is not None and not status.distribution:
                    status.distribution, status.version = distribution, version
                return
            if self.pm.get_plugin(name) is not None:
                owner = self.statuses.get(name)
                self._refuse(name, distribution, version,
                             f"plugin name {name!r} already registered by {owner.distribution if owner else '?'}")
                return
            try:
                self.pm.register(plugin, name=name)
            except Exception as exc:
                self._record_failure(name, distribution, version, exc, "failed to register")
                return
            calls = (
                ("nr_register_ops", self._register_op),
                ("nr_register_backends", lambda be: self._register_backend(be, name, distribution, version)),
                ("nr_register_grad_engines", lambda n, e: self._register_engine(n, e, name)),
            )
            hooks = []
            for hook_name, register in calls:
                for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                    if impl.plugin is not plugin:
                        continue
                    hooks.append(hook_name)
                    failed = _guarded(lambda: impl.function(register=register), None)
                    if isinstance(failed, _Failure):
                        self._record_failure(name, distribution, version, failed.exc, f"failed in {hook_name}")
                        return
            if not any(getattr(s, "_plugin", None) == name for s in self.statuses.values()):
                # a plugin without a backend (autograd, nn …) is listed too, with the hooks it provides
                self.statuses[name] = BackendStatus(name, distribution, version, available=True,
                                                    reason="provides " + ", ".join(hooks or ["no hooks"]))

    def _refuse(self, name: str, dist: str, version: str, reason: str) -> None:
        if settings.strict_plugins():
            raise PluginError(f"{name!r} ({dist} {version}) refused: {reason}")
        self.statuses[self._free_key(name, dist)] = BackendStatus(name, dist, version, available=False,
                                                                  reason=f"refused: {reason}")

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
            for engine_name in self._engines_of.pop(name, ()):
                grad_engine.unregister_engine(engine_name)
            self._default_device = None

    def _register_backend(self, backend: Backend, plugin: str, dist: str, version: str) -> None:
        if not isinstance(backend, Backend):
            raise TypeError(f"plugin {plugin!r} registered {backend!r}, which is not an nr_core.backend.Backend")
        dist = dist or backend.distribution
        taken = self.statuses.get(backend.name)
        if taken is not None:
            self._refuse(backend.name, dist, version,
                         f"name {backend.name!r} already registered by {taken.distribution or taken.name}")
            return
        owner = self.by_kind.get(backend.device_kind)
        if owner is not None:
            self._refuse(backend.name, dist, version, f"device kind {backend.device_kind!r} is already served by "
                         f"backend {owner.name!r} ({self.statuses[owner.name].distribution})")
            return
        status = BackendStatus(backend.name, dist, version, backend=backend,
                               install_hint=backend.install_hint or INSTALL_HINTS.get(backend.device_kind, ""))
        status._plugin = plugin  # type: ignore[attr-defined]
        status.reason = _NOT_PROBED
        self.statuses[backend.name] = status
        self.by_kind[backend.device_kind] = backend

    def _register_engine(self, name: str, engine, plugin: str) -> None:
        grad_engine.register_engine(name, engine, settings.preferred_grad_engine())
        self._engines_of.setdefault(plugin, []).append(name)

    def _register_op(self, opdef, decomposition=None, vjp=None, samples=None, kernels=None, amp=None,
                     saved_outputs=None) -> None:
        optable.register(opdef, decomposition=decomposition, vjp=vjp, samples=samples, kernels=kernels, amp=amp,
                         saved_outputs=saved_outputs)
        if kernels:
            for status in self.statuses.values():
                if status.available and status.backend is not None:
                    _install_kernels(status.backend)

    # -- backends and devices ---------------------------------------------------------------
    def probe(self, status: BackendStatus) -> BackendStatus:
        if status.backend is None or status.reason != _NOT_PROBED:
            return status
        with self._lock:
            lock = self._probe_locks.setdefault(status.name, threading.Lock())
        with lock:  # one probe per backend; the tables stay usable meanwhile
            if status.reason != _NOT_PROBED:  # another thread probed it meanwhile
                return status
            backend = status.backend
            got = _guarded(backend.probe, settings.plugin_timeout())
            if isinstance(got, _Failure):
                status.available, status.reason = False, f"probe failed: {type(got.exc).__name__}: {got.exc}"
                if isinstance(got.exc, _Timeout):
                    status.reason = f"probe {got.exc}"
                if settings.strict_plugins():
                    raise PluginError(status.reason) from got.exc
                return status
            ok, reason = got
            if ok:
                _install_kernels(backend)
                missing = sorted(optable.PRIMITIVES - backend.kernels.keys())
                if missing:
                    ok, reason = False, f"lacks kernels for the primitive ops {', '.join(missing)}"
            status.devices = backend.devices() if ok else []
            status.available, status.reason = bool(ok), reason
        return status

    def all_statuses(self) -> list[BackendStatus]:
        self.ensure()
        return [self.probe(s) for s in list(self.statuses.values())]

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
            spec, from_env = settings.default_device_spec()
            try:
                dev = parse_device_string(spec)
                self.backend_for(dev)  # fail loudly and early on a bad NR_DEFAULT_DEVICE
            except (ValueError, DeviceUnavailableError) as exc:
                if not from_env:
                    raise
                raise type(exc)(f"NR_DEFAULT_DEVICE={spec!r} (the default device comes from this environment "
                                f"variable): {exc}") from None
            self._default_device = dev
        return self._default_device

    def set_default_device(self, device) -> None:
        dev, _ = self.resolve(device)
        self._default_device = dev

    def accelerators(self) -> list[Device]:
        """The available accelerators, best first: CUDA devices, then OpenCL GPUs (an OpenCL CPU device such as
        PoCL is no faster than the CPU backend, so it is not one). The demo and ``neurarust.accelerator`` pick
        the first."""
        devices = self.available_devices()
        return [d for kind in ACCELERATOR_KINDS for d in devices
                if d.kind == kind and self.backend_for(d).is_accelerator(d)]

    def available_devices(self) -> list[Device]:
        out: list[Device] = []
        for s in self.all_statuses():
            if s.available and s.backend is not None and self.by_kind.get(s.backend.device_kind) is s.backend:
                out.extend(s.devices)
        return out


def _install_kernels(backend: Backend) -> None:
    """Registered kernels for ``backend``'s ops, where the backend brings none of its own and does not refuse them
    (``adapt_kernel`` returning None: the op's decomposition runs there instead)."""
    for name, kernel in optable.kernels_for(backend).items():
        if name not in backend.kernels:
            adapted = backend.adapt_kernel(name, kernel)
            if adapted is not None:
                backend.kernels[name] = adapted


ACCELERATOR_KINDS = ("cuda", "opencl")  # the device kinds that count as accelerators, in order of preference

REGISTRY = Registry()


def register(plugin: Any, name: str) -> None:
    """Register a plugin in code (the entry point's equivalent; handy in tests and notebooks)."""
    REGISTRY.ensure()
    REGISTRY.register_plugin(plugin, name=name)


def unregister(name: str) -> None:
    REGISTRY.unregister_plugin(name)
