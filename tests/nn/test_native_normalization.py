"""The compiled batch normalisation (CPU, float32, training): the NumPy kernel's outputs and gradients up to the
sums' rounding, and torch's BatchNorm layers."""
import shutil

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
from nr_backend_cpu.backend import CpuBackend
from nr_core import settings
from nr_nn.ops import ndarray_kernels as K

pytestmark = pytest.mark.skipif(shutil.which(settings.c_compiler()) is None, reason="no C compiler")
BE = CpuBackend()


def _pair(fn, monkeypatch):
    assert K._native_norm(BE, np.zeros((2, 3), np.float32)) is not None, "did not build"
    compiled = fn()
    monkeypatch.setenv("NR_NATIVE", "0")
    plain = fn()
    monkeypatch.delenv("NR_NATIVE")
    return compiled, plain


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 37), (3, 6, 5, 7), (2, 4, 40, 33), (5, 2, 2, 2, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_matches_the_numpy_kernel(monkeypatch, shape, affine):
    r = np.random.default_rng(0)
    x = (r.standard_normal(shape) * 3 + 5).astype(np.float32)  # an offset mean: the variance's two passes matter
    c = shape[1]
    w, b = (r.standard_normal(c).astype(np.float32) for _ in range(2)) if affine else (None, None)
    fwd = _pair(lambda: K.batch_norm(BE, x, w, b, 1e-5), monkeypatch)
    for a, ref in zip(*fwd):
        np.testing.assert_allclose(a, ref, rtol=2e-5, atol=2e-5)
    _, mean, var = fwd[1]
    gy = r.standard_normal(shape).astype(np.float32)
    bwd = _pair(lambda: K.batch_norm_backward(BE, x, w, mean, var, gy, None, None, 1e-5), monkeypatch)
    for a, ref in zip(*bwd):
        np.testing.assert_allclose(a, ref, rtol=1e-4, atol=1e-4)


def test_training_layer_matches_torch():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(1)
    x = (r.standard_normal((6, 8, 9, 10)) * 2 - 1).astype(np.float32)
    ours, ref = nn.BatchNorm2d(8), torch.nn.BatchNorm2d(8)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(r.standard_normal(8).astype(np.float32)))
        ref.bias.copy_(torch.tensor(r.standard_normal(8).astype(np.float32)))
    ours.weight.data = nr.asarray(ref.weight.detach().numpy().copy())
    ours.bias.data = nr.asarray(ref.bias.detach().numpy().copy())
    xa, xt = nr.asarray(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), ref(xt)
    g = r.standard_normal(x.shape).astype(np.float32)
    ya.backward(nr.asarray(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.running_mean.numpy(), ref.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.running_var.numpy(), ref.running_var.numpy(), rtol=1e-5, atol=1e-6)
