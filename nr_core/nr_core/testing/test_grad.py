"""Gradient rules of every differentiable op, on the device under test, by finite differences (float64)."""
import numpy as np
import pytest

import nr_core as nr
from nr_core.testing.checks import to_device

GRAD = True
KINDS = None


def test_gradcheck(sample, nr_device, nr_backend):
    autograd = pytest.importorskip("nr_autograd")
    if not nr_backend.capabilities.float64:
        pytest.skip(f"{nr_device} has no float64, which finite differences need")
    args = [a.astype(np.complex128 if a.dtype.kind == "c" else np.float64) if isinstance(a, np.ndarray)
            and a.dtype.kind in "fc" else a for a in sample.args]
    nr_args = list(to_device(tuple(args), nr_device))
    grads = [i for i, a in enumerate(nr_args) if isinstance(a, nr.Tensor) and a.dtype.kind in ("float", "complex")
             and a.size > 0]
    if not grads:
        pytest.skip("no floating input")
    for i in grads:
        nr_args[i] = nr_args[i].requires_grad_(True)

    def fn(*xs):
        full = list(nr_args)
        for i, x in zip(grads, xs):
            full[i] = x
        return sample.nr_call(*full)

    assert autograd.gradcheck(fn, tuple(nr_args[i] for i in grads))
