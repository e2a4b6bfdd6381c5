"""The compiled LSTM and GRU steps (CPU, float32): the NumPy loops' values and PyTorch's, the same gradients."""
import shutil

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
from nr_backend_cpu.backend import CpuBackend
from nr_core import settings
from nr_nn.ops import ndarray_recurrent as R

pytestmark = pytest.mark.skipif(shutil.which(settings.c_compiler()) is None, reason="no C compiler")


BE = CpuBackend()


def _both(fn, monkeypatch):
    """fn() through the compiled step, then through NumPy (NR_NATIVE=0)."""
    assert R._native_lstm(BE, np.zeros(1, np.float32)) is not None, "the compiled step did not build"
    compiled = fn()
    monkeypatch.setenv("NR_NATIVE", "0")
    plain = fn()
    monkeypatch.delenv("NR_NATIVE")
    return compiled, plain


def _close(a, b, what):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=2e-5, atol=2e-6, err_msg=what)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("scale", [0.5, 4.0])  # 4: most gates saturate
def test_kernels_match_the_numpy_loop(monkeypatch, reverse, scale):
    r = np.random.default_rng(3)
    t, n, h = 7, 5, 12
    xw = (r.standard_normal((t, n, 4 * h)) * scale).astype(np.float32)
    h0, c0 = (r.standard_normal((n, h)).astype(np.float32) for _ in range(2))
    w = (r.standard_normal((4 * h, h)) * 0.3).astype(np.float32)
    fwd = _both(lambda: R.lstm_sequence(BE, xw, h0, c0, w, None, reverse), monkeypatch)
    _close(*fwd, "forward")
    y, _, _, gates, cells = fwd[1]
    gy, gh, gc, gcells = (r.standard_normal(s).astype(np.float32) for s in ((t, n, h), (n, h), (n, h), (t, n, h)))
    for grads in [(None, gh, None, None), (gy, None, gc, None), (gy, gh, gc, gcells), (None, None, None, gcells)]:
        bwd = _both(lambda: R.lstm_sequence_backward(BE, xw, h0, c0, w, None, y, gates, cells, grads[0], grads[1],
                                                     grads[2], None, grads[3], reverse), monkeypatch)
        _close(*bwd, f"backward with {[g is not None for g in grads]}")


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gru_kernels_match_the_numpy_loop(monkeypatch, reverse, bias):
    r = np.random.default_rng(5)
    t, n, h = 6, 4, 10
    xw = (r.standard_normal((t, n, 3 * h)) * 2).astype(np.float32)
    h0 = r.standard_normal((n, h)).astype(np.float32)
    w = (r.standard_normal((3 * h, h)) * 0.3).astype(np.float32)
    b = r.standard_normal(3 * h).astype(np.float32) if bias else None
    assert R._native_gru(BE, xw) is not None, "the compiled step did not build"
    fwd = _both(lambda: R.gru_sequence(BE, xw, h0, w, b, reverse), monkeypatch)
    _close(*fwd, "forward")
    y, _, reserve = fwd[1]
    gy, gh = r.standard_normal((t, n, h)).astype(np.float32), r.standard_normal((n, h)).astype(np.float32)
    for grads in [(None, gh), (gy, None), (gy, gh)]:
        bwd = _both(lambda: R.gru_sequence_backward(BE, xw, h0, w, b, y, reserve, grads[0], grads[1], None, reverse),
                    monkeypatch)
        _close(*bwd, f"backward with {[g is not None for g in grads]}")


def test_gru_training_gradients_match_torch():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(2)
    x = r.standard_normal((3, 7, 5)).astype(np.float32)
    ours, ref = nn.GRU(5, 8, batch_first=True, bidirectional=True), torch.nn.GRU(5, 8, batch_first=True,
                                                                                  bidirectional=True)
    for (_, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters()):
        p.data = nr.asarray(q.detach().numpy().copy())
    xa, xt = nr.asarray(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ya, ha), (yt, ht) = ours(xa), ref(xt)
    ((ya * ya).sum() + ha.sum()).backward()
    ((yt * yt).sum() + ht.sum()).backward()
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_nan_and_inf_propagate_as_in_numpy(monkeypatch):
    xw = np.zeros((2, 1, 8), np.float32)
    xw[0, 0, :] = [np.nan, 1, np.inf, -np.inf, 0.3, np.inf, -np.inf, np.nan]
    h0, c0 = np.zeros((1, 2), np.float32), np.zeros((1, 2), np.float32)
    w = np.zeros((8, 2), np.float32)
    compiled, plain = _both(lambda: R.lstm_sequence(BE, xw, h0, c0, w, None, False), monkeypatch)
    for a, b in zip(compiled, plain):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(np.nan_to_num(a), np.nan_to_num(b), rtol=1e-6, atol=1e-7)


def test_tanh_within_a_few_ulps():
    # the g gate of a forward step is a plain tanh of its input: one step over one row of m units
    x = np.concatenate([np.linspace(-10, 10, 400001), [0.0, 1e-30, -1e-30, 0.24999, 0.25, 9.05, 9.2, 50]])
    x = x.astype(np.float32)
    m = x.size
    gates, xw = np.zeros((1, 4 * m), np.float32), np.zeros((1, 4 * m), np.float32)
    xw[0, 2 * m:3 * m] = x
    c_prev, c, h = (np.zeros((1, m), np.float32) for _ in range(3))
    forward_step = R._native_lstm(BE, gates)[0]
    forward_step(1, m, *(a.ctypes.data for a in (gates, xw, c_prev, c, h)))
    got = gates[0, 2 * m:3 * m].astype(np.float64)
    ref = np.tanh(x.astype(np.float64))
    ulps = np.abs(got - ref) / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    assert ulps.max() <= 8, (ulps.max(), x[ulps.argmax()])
    assert np.array_equal(np.signbit(got[x == 0]), np.signbit(x[x == 0]))


def test_training_gradients_match_torch():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(0)
    x = r.standard_normal((4, 9, 6)).astype(np.float32)
    ours, ref = nn.LSTM(6, 10, batch_first=True), torch.nn.LSTM(6, 10, batch_first=True)
    for (_, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters()):
        p.data = nr.asarray(q.detach().numpy().copy())
    xa, xt = nr.asarray(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ya, (ha, ca)), (yt, (ht, ct)) = ours(xa), ref(xt)
    ((ya * ya).sum() + ha.sum() + (ca * 2).sum()).backward()
    ((yt * yt).sum() + ht.sum() + (ct * 2).sum()).backward()
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
