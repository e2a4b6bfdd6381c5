"""The shifted form of unit-stride 2-d convolutions (one accumulated GEMM per kernel offset over windows of the
padded input): torch's values and gradients, and the columns form's where the backend offers no strided GEMM."""
import numpy as np
import pytest

import nr_core as nr
import nr_nn.functional as F
from nr_backend_cpu.backend import CpuBackend
from nr_nn.ops import ndarray_conv as K

torch = pytest.importorskip("torch")
BE = CpuBackend()

# (input, weight, padding, dilation): every one unit-stride, one group, >= 16 channels, a grid past 8x8
CASES = [
    ((2, 16, 12, 11), (5, 16, 3, 3), 1, 1),
    ((3, 17, 10, 13), (4, 17, 3, 2), (2, 0), (1, 2)),
    ((2, 16, 9, 12), (3, 16, 5, 5), 2, 1),
    ((1, 20, 12, 12), (6, 20, 1, 1), 0, 1),
    ((2, 16, 14, 9), (3, 16, 2, 4), "same", (2, 1)),
    ((2, 24, 10, 12), (16, 24, 3, 3), 1, 1),  # >= 16 output channels: the input gradient is shifted too
]


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("xs,ws,padding,dilation", CASES, ids=str)
def test_matches_torch_with_gradients(xs, ws, padding, dilation, dtype, tol):
    r = np.random.default_rng(0)
    x, w = r.standard_normal(xs).astype(dtype), r.standard_normal(ws).astype(dtype)
    xn, wn = nr.asarray(x, requires_grad=True), nr.asarray(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yn = F.conv2d(xn, wn, padding=padding, dilation=dilation)
    yt = torch.nn.functional.conv2d(xt, wt, padding=padding, dilation=dilation)
    assert K._shifted(BE, x, (1, 1), 1, tuple(yt.shape[2:]))
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    g = r.standard_normal(tuple(yt.shape)).astype(dtype)
    yn.backward(nr.asarray(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(wn.grad.numpy(), wt.grad.numpy(), rtol=tol, atol=tol)


def test_equals_the_columns_form(monkeypatch):
    r = np.random.default_rng(1)
    x, w = r.standard_normal((3, 16, 11, 10)), r.standard_normal((7, 16, 3, 3))
    pad = ((1, 2), (-1, 1))  # asymmetric, one side cropping
    shifted = K.conv(BE, x, w, (1, 1), pad, (1, 1), 1)
    monkeypatch.setattr(BE, "strided_gemm", lambda dtype: False)
    columns = K.conv(BE, x, w, (1, 1), pad, (1, 1), 1)
    np.testing.assert_allclose(shifted, columns, rtol=1e-12, atol=1e-12)


def test_results_never_alias_the_scratch_buffers():
    r = np.random.default_rng(2)
    x, w = r.standard_normal((2, 16, 10, 10)), r.standard_normal((4, 16, 3, 3))
    first = K.conv(BE, x, w, (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    keep = first.copy()
    K.conv(BE, -x, w, (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    np.testing.assert_array_equal(first, keep)
