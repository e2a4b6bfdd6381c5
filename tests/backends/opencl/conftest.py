"""Fixtures of the OpenCL backend tests: skipped as a whole where no OpenCL device is available."""
from __future__ import annotations

import pytest

import nr_core as nr
from nr_core.devices import Device
from nr_core.plugins import REGISTRY


def _backend():
    try:
        return REGISTRY.backend_for(Device("opencl", 0))
    except nr.DeviceUnavailableError as exc:
        pytest.skip(f"no OpenCL device: {exc}", allow_module_level=True)


@pytest.fixture(scope="session")
def backend():
    return _backend()


@pytest.fixture(scope="session")
def dev(backend):
    return "opencl:0"


@pytest.fixture
def rt(backend):
    return backend.runtime(Device("opencl", 0))
