"""Fixtures of the Metal backend tests: the backend on the shim runtime (MSL through g++ on the host; compiled
kernels cached by content in ~/.cache/nr-metal-shim), registered for this session in place of the entry-point
one, which stays unavailable off macOS."""
from __future__ import annotations

import os
import shutil

import pytest

import nr_core as nr
from nr_core.devices import Device
from nr_core.plugins import REGISTRY

pytest.importorskip("nr_backend_metal")


class _ShimPlugin:
    @nr.hookimpl
    def nr_register_backends(self, register):
        from nr_backend_metal.backend import MetalBackend
        register(MetalBackend(runtime="shim"))


@pytest.fixture(scope="module")
def shim_backend():
    if shutil.which("g++") is None and shutil.which("clang++") is None and not os.environ.get("NR_SHIM_CXX"):
        pytest.skip("the MSL shim needs g++ or clang++")
    REGISTRY.ensure()
    REGISTRY.unregister_plugin("metal")
    REGISTRY.register_plugin(_ShimPlugin(), "metal-shim", "nr-backend-metal")
    try:
        yield REGISTRY.backend_for(Device("metal", 0))
    finally:
        REGISTRY.unregister_plugin("metal-shim")
        import nr_backend_metal.plugin as entry
        REGISTRY.register_plugin(entry, "metal", "nr-backend-metal")


@pytest.fixture(scope="module")
def rt(shim_backend):
    return shim_backend.runtime(Device("metal", 0))
