"""The kit's samples of the barrier-free op families (elementwise and fused chains, casts, gathers and scatters,
shape copies, creation) run on metal:0 through the shim runtime: MSL compiled by the host's C++ compiler,
executed over NumPy memory, compared with NumPy by the kit's own checks.

The kernels are built in one compiler run per test worker: a first pass runs the samples with compiling and
launching stubbed out, to learn which kernels they need (kernels depend on shapes and dtypes, not values),
then ``ShimRuntime.prebuild`` compiles them together.
"""
from __future__ import annotations

import pytest

from nr_core import dtypes as _d
from nr_core.optable import OPS
from nr_core.samples import set_device_under_test
from nr_core.testing import cases
from nr_core.testing._run import run_sample
from nr_backend_metal.backend import DTYPES

KINDS = ("elementwise", "cast", "indexing", "shape", "creation")
_DTYPES = tuple(d for d in _d.ALL_DTYPES if d in DTYPES)


def _params():
    out = []
    for name, op in sorted(OPS.items()):
        if op.kind in KINDS:
            out.extend(pytest.param(s, id=f"{name}-{s.label}") for s in cases.samples_for(name, _DTYPES))
    return out


class _Stub:
    """Stands in for a compiled kernel during the discovery pass."""


@pytest.fixture(scope="module")
def prebuilt(request, rt):
    mine = [item.callspec.params["case"] for item in request.session.items
            if getattr(item, "originalname", "") == "test_sample_runs_on_the_shim"]
    set_device_under_test("metal:0")
    seen: list = []
    rt._compile = lambda kern: seen.append(kern) or _Stub()
    rt.launch = lambda *args: None
    try:
        for s in mine:
            try:
                run_sample(s, "metal:0")
            except Exception:  # stubbed launches compute nothing: mismatches (and value errors) are expected
                continue
    finally:
        del rt._compile, rt.launch
        for key in [k for k, h in rt._kernels.items() if isinstance(h, _Stub)]:
            del rt._kernels[key]
    rt.prebuild(seen)
    return seen


@pytest.mark.parametrize("case", _params())
def test_sample_runs_on_the_shim(case, prebuilt, rt):
    compiles = rt.stats.compiles
    run_sample(case, "metal:0")
    assert rt.stats.compiles == compiles, "a kernel the discovery pass did not see was compiled on its own"


def test_the_executed_kernels_are_barrier_free(prebuilt):
    assert prebuilt and not any(k.uses_barrier for k in prebuilt)
    print(f"\nMSL through the shim: {len(set(prebuilt))} kernels compiled in one run, executed and compared")
