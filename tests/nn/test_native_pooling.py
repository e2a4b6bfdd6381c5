"""The compiled gradient of 2-d max pooling (CPU, float32): the NumPy kernel's gradients, and torch's."""
import shutil

import numpy as np
import pytest

import nr_core as nr
import nr_nn.functional as F
from nr_backend_cpu.backend import CpuBackend
from nr_core import settings
from nr_nn.ops import ndarray_kernels as K
from nr_nn.ops.pooling import index_dtype

pytestmark = pytest.mark.skipif(shutil.which(settings.c_compiler()) is None, reason="no C compiler")
BE = CpuBackend()

# kernel, stride, padding ((lo, hi) pairs: a hi past the kernel's reach is ceil mode, a negative one crops), dilation
GEOMETRIES = [
    ((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    ((3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
    ((2, 3), (2, 1), ((0, 1), (1, 1)), (1, 1)),
    ((3, 2), (3, 2), ((1, 2), (0, 1)), (2, 1)),
    ((2, 2), (1, 2), ((-1, 0), (0, -1)), (1, 2)),
    ((3, 3), (2, 2), ((1, 0), (1, 0)), (1, 1)),
]


def _input(seed, shape=(2, 3, 11, 10)):
    r = np.random.default_rng(seed)
    x = r.standard_normal(shape).astype(np.float32)
    x[0, 0, 2, 3] = np.nan
    x[1, 2, 5, :] = -np.inf
    x[0, 1, 4, 4] = x[0, 1, 4, 5] = 7.0  # a tie: the first offset wins
    return x


def _pair(fn, monkeypatch):
    assert K._native_pool(BE, np.zeros((1, 1, 1, 1), np.float32), (2, 2), np.int8) is not None, "did not build"
    compiled = fn()
    monkeypatch.setenv("NR_NATIVE", "0")
    plain = fn()
    monkeypatch.delenv("NR_NATIVE")
    return compiled, plain


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_gradient_matches_the_numpy_kernel(monkeypatch, geometry):
    k, s, p, d = geometry
    x = _input(1)
    it = index_dtype(k)
    (best, arg), (best0, arg0) = _pair(lambda: K.max_pool(BE, x, k, s, p, d, it), monkeypatch)
    np.testing.assert_array_equal(best, best0)  # NaN where NumPy has NaN, equal elsewhere
    np.testing.assert_array_equal(arg, arg0)
    gy = np.random.default_rng(2).standard_normal(best.shape).astype(np.float32)
    gy[0, 0, 0, 0] = -0.0
    gx, gx0 = _pair(lambda: K.max_pool_backward(BE, arg0, gy, x.shape, k, s, p, d), monkeypatch)
    assert gx.shape == gx0.shape == x.shape
    np.testing.assert_allclose(gx, gx0, rtol=1e-6, atol=1e-7)
    disjoint = all(si >= di * (ki - 1) + 1 for si, di, ki in zip(s, d, k))
    if disjoint:  # one writer per cell: the same bits, signed zeros included
        np.testing.assert_array_equal(gx.view(np.int32), gx0.view(np.int32))


def test_layer_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((4, 5, 13, 12)).astype(np.float32)
    for kwargs in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                   dict(kernel_size=(3, 2), stride=1, dilation=(1, 2))]:
        xa, xt = nr.asarray(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yt = F.max_pool2d(xa, **kwargs), torch.nn.functional.max_pool2d(xt, **kwargs)
        g = np.random.default_rng(4).standard_normal(tuple(yt.shape)).astype(np.float32)
        ya.backward(nr.asarray(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_array_equal(ya.detach().numpy(), yt.detach().numpy(), err_msg=str(kwargs))
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=str(kwargs))


def test_mismatched_backward_shapes_take_the_numpy_path(monkeypatch):
    # the op checks nothing (its inputs are the forward's outputs): planes that disagree with the input's must not
    # reach the compiled loop, which indexes without looking
    arg = np.zeros((2, 3, 4, 4), np.int8)
    gy = np.ones((2, 3, 4, 4), np.float32)
    gx, gx0 = _pair(lambda: K.max_pool_backward(BE, arg, gy, (2, 1, 8, 8), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
                    monkeypatch)
    np.testing.assert_array_equal(gx, gx0)
