"""Where communication backends come from: ``register_backend`` in code, or the entry-point group
``nr.comm_backends`` (``mpi``, ``nccl`` and ``threads`` are entry points of nr-distributed itself).

Each entry point loads in its own ``try``, so one broken plugin (a gloo binding without its library) is
reported by name and never stops the others from loading.
"""
from __future__ import annotations

import importlib.metadata as _md
from typing import Callable

from .errors import DistBackendError

ENTRY_POINT_GROUP = "nr.comm_backends"

_REGISTERED: dict[str, Callable] = {}


def register_backend(name: str, factory: Callable) -> None:
    """Make ``init_process_group(backend=name)`` call ``factory(rank=, world_size=, timeout=, init_method=)``,
    which returns a ``CommBackend`` (PyTorch's ``Backend.register_backend``)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"register_backend: name must be a non-empty string, got {name!r}")
    if not callable(factory):
        raise TypeError(f"register_backend: factory must be callable, got {type(factory).__name__}")
    _REGISTERED[name.lower()] = factory


def _entry_points() -> dict[str, _md.EntryPoint]:
    return {ep.name.lower(): ep for ep in _md.entry_points(group=ENTRY_POINT_GROUP)}


def _origin(ep) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.metadata['Name']} {dist.version}" if dist is not None else ep.value


def load(name: str) -> Callable:
    """The factory registered as ``name``; DistBackendError saying what is installed when there is none."""
    key = name.lower()
    if key in _REGISTERED:
        return _REGISTERED[key]
    eps = _entry_points()
    ep = eps.get(key)
    if ep is None:
        known = ", ".join(sorted(set(_REGISTERED) | set(eps))) or "none"
        raise DistBackendError(f"init_process_group: no communication backend named {name!r} (installed: {known}); "
                               f"a plugin adds one through the {ENTRY_POINT_GROUP!r} entry-point group")
    try:
        factory = ep.load()
    except Exception as exc:  # a broken plugin is named, with its distribution
        raise DistBackendError(f"communication backend {name!r} ({_origin(ep)}) failed to load: "
                               f"{type(exc).__name__}: {exc}") from exc
    _REGISTERED[key] = factory
    return factory


def available_backends() -> dict[str, str]:
    """Every known backend name -> ``"ok"`` or why it failed to load (each loaded in its own try)."""
    out = {name: "ok" for name in _REGISTERED}
    for name, ep in _entry_points().items():
        if name in out:
            continue
        try:
            _REGISTERED[name] = ep.load()
            out[name] = "ok"
        except Exception as exc:
            out[name] = f"failed to load ({_origin(ep)}): {type(exc).__name__}: {exc}"
    return out
