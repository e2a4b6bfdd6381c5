"""pytest plugin of the backend test kit (loaded through the ``pytest11`` entry point, so ``--pyargs`` works).

It adds ``--nr-device``, the ``nr_device`` fixture, and parametrises the kit's own tests that take a ``sample``
with the samples of the op-table kinds their module declares in ``KINDS`` (``GRAD = True``: differentiable ops
only). Tests elsewhere with a fixture named ``sample`` are left alone.
"""
from __future__ import annotations

import os

import pytest

# kinds each built-in kit module covers; ops of any other kind (added by plugins) go to test_other_ops.py
CLAIMED_KINDS = {"elementwise", "cast", "transfer", "reduction", "scan", "linalg", "shape", "indexing", "search",
                 "sort", "set", "creation"}


def pytest_addoption(parser):
    group = parser.getgroup("nr", "neurarust backend test kit")
    group.addoption("--nr-device", default=None,
                    help="device the backend test kit runs on (default: $NR_TEST_DEVICE or cpu)")


def _device_spec(config) -> str:
    return config.getoption("--nr-device", default=None) or os.environ.get("NR_TEST_DEVICE") or "cpu"


def _resolve(config):
    """(device, backend) or (None, reason) when the device cannot run here."""
    import nr_core as nr
    from nr_core.plugins import REGISTRY
    try:
        return REGISTRY.resolve(_device_spec(config))
    except nr.DeviceUnavailableError as exc:
        return None, str(exc)


@pytest.fixture(scope="session")
def nr_device(request):
    dev, backend = _resolve(request.config)
    if dev is None:
        pytest.skip(f"nr device unavailable: {backend}")
    return str(dev)


@pytest.fixture(scope="session")
def nr_backend(request):
    dev, backend = _resolve(request.config)
    if dev is None:
        pytest.skip(f"nr device unavailable: {backend}")
    return backend


def _ops_for(module):
    from nr_core.optable import OPS
    kinds = getattr(module, "KINDS", None)
    grad_only = getattr(module, "GRAD", False)
    out = []
    for name, op in sorted(OPS.items()):
        if kinds == "unclaimed":
            if op.kind in CLAIMED_KINDS:
                continue
        elif kinds is not None and op.kind not in kinds:
            continue
        if grad_only and not op.differentiable:
            continue
        out.append(op)
    return out


def pytest_generate_tests(metafunc):
    if "sample" not in metafunc.fixturenames or not metafunc.module.__name__.startswith(__package__ + "."):
        return
    from nr_core.plugins import REGISTRY
    from nr_core.samples import set_device_under_test
    from nr_core.testing import cases
    dev, backend = _resolve(metafunc.config)
    if dev is None:
        metafunc.parametrize("sample", [pytest.param(None, marks=pytest.mark.skip(reason=str(backend)))], ids=["unavailable"])
        return
    REGISTRY.ensure()
    set_device_under_test(str(dev))
    from nr_core import dtypes as _d
    # ordered, so every xdist worker collects the same parameters
    dtypes = tuple(d for d in _d.ALL_DTYPES if d in backend.capabilities.dtypes and backend.supports_dtype(d, dev))
    grad_only = getattr(metafunc.module, "GRAD", False)
    dynamic = backend.capabilities.data_dependent_shapes
    no_dynamic = pytest.mark.skip(reason=f"{dev} declares no data-dependent shapes (Capabilities)")
    params = []
    for op in _ops_for(metafunc.module):
        for s in cases.samples_for(op.name, dtypes):
            # gradients are checked in float64: a 16-bit sample would repeat its float32 twin
            if grad_only and not (s.grad and any(_is_float(a) for a in s.args)
                                  and not any(_is_low(a) for a in s.args)):
                continue
            marks = () if dynamic or not s.data_dependent else (no_dynamic,)
            params.append(pytest.param(s, id=f"{op.name}-{s.label}", marks=marks))
    if not params:
        params = [pytest.param(None, marks=pytest.mark.skip(reason="no ops of these kinds"), id="none")]
    metafunc.parametrize("sample", params)


def _is_float(a) -> bool:
    import numpy as np

    from .checks import is_floating
    return isinstance(a, np.ndarray) and is_floating(a.dtype)


def _is_low(a) -> bool:
    import numpy as np

    from .checks import LOW_TOL
    return isinstance(a, np.ndarray) and a.dtype.name in LOW_TOL
