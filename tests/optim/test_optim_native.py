"""The compiled Adam and SGD updates (CPU, float32) give the NumPy kernel's bits, on parameters the CPU backend splits
into slabs over its threads as on small ones, and on non-contiguous states that must take the NumPy form."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

import nr_core as nr
import nr_optim as optim
from nr_backend_cpu.backend import CpuBackend
from nr_core import settings
from nr_optim import _kernels

pytestmark = pytest.mark.skipif(shutil.which(settings.c_compiler()) is None, reason="no C compiler")


def _train(name, kwargs, shapes, steps=4):
    rng = np.random.default_rng(0)
    params = [nr.asarray(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    opt = getattr(optim, name)(params, **kwargs)
    for _ in range(steps):
        for p in params:
            g = rng.standard_normal(p.shape).astype(np.float32)
            g.flat[::97] = 0.0
            p.grad = nr.asarray(g)
        opt.step()
    return [p.numpy() for p in params] + [v.numpy() for p in params for v in opt.state[p].values()
                                         if isinstance(v, nr.Tensor)]


@pytest.mark.parametrize("name,kwargs", [
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=1e-3, weight_decay=0.3, eps=1e-6)),
    ("AdamW", dict(lr=1e-3, weight_decay=0.01, amsgrad=True)),
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
])
def test_compiled_update_is_bit_identical(monkeypatch, name, kwargs):
    assert _kernels._NATIVE.functions(CpuBackend(), np.zeros(1, np.float32)) is not None, "did not build"
    shapes = [(1100, 700), (33,), (4, 5)]  # the first past the threads' slab size
    compiled = _train(name, kwargs, shapes)
    monkeypatch.setenv("NR_NATIVE", "0")
    plain = _train(name, kwargs, shapes)
    for a, b in zip(compiled, plain):
        assert np.array_equal(a.view(np.uint32), b.view(np.uint32))


def test_non_contiguous_slabs_take_the_numpy_form():
    calls = []
    fn = lambda *a: calls.append("compiled")  # noqa: E731
    p = np.ones((4, 6), np.float32)[:, ::2]
    _kernels._compiled(fn, (), lambda *a: calls.append("numpy"), p, p.copy(), p.copy(), p.copy(), None)
    assert calls == ["numpy"]
