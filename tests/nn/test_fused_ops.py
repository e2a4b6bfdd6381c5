"""The fused ops of issue 15 (linear, cross-entropy, sequence RNN/LSTM/GRU, attention, batch norm, batched conv):
kernel path == decomposition path in values and in gradients (the decomposition's come from the primitive ops'
rules, independently of the fused rules and backward kernels); against PyTorch where behaviour has no NumPy
reference (dropout draws aside); the conv workspaces; the ops' argument errors."""
import numpy as np
import pytest

import nr_core as nr
import nr_nn.functional as F
from nr_nn.ops import attention as A
from nr_nn.ops import linear as L
from nr_nn.ops import loss as CE
from nr_nn.ops import normalization as BN
from nr_nn.ops import recurrent as R
from nr_nn.ops import _workspace

torch = pytest.importorskip("torch")


def arr(*shape, seed=0, grad=True, scale=1.0):
    return nr.asarray(np.random.default_rng(seed).standard_normal(shape) * scale, requires_grad=grad)


def _lstm(*a, **k):
    return R.lstm_sequence(*a, **k)


# (name, fused call, decomposition, input builders, params)
CASES = [
    ("linear-3d", L.linear, L.linear_decomposition, lambda: (arr(2, 3, 4), arr(5, 4, seed=1), arr(5, seed=2)), {}),
    ("linear-nobias", L.linear, L.linear_decomposition, lambda: (arr(3, 4), arr(2, 4, seed=1), None), {}),
    ("linear-1d", L.linear, L.linear_decomposition, lambda: (arr(4), arr(3, 4, seed=1), arr(3, seed=2)), {}),
    ("ce-weighted-smooth", CE.cross_entropy, CE.cross_entropy_decomposition,
     lambda: (arr(5, 4), nr.asarray(np.array([0, 3, 1, 1, 2])), arr(4, seed=3, grad=False) * 0.2 + 1.0),
     dict(ignore_index=1, label_smoothing=0.2, reduction="mean")),
    ("ce-spatial-none", CE.cross_entropy, CE.cross_entropy_decomposition,
     lambda: (arr(2, 3, 4), nr.asarray(np.array([[0, 1, 2, 0], [2, 2, 1, 0]])), None),
     dict(ignore_index=-100, label_smoothing=0.0, reduction="none")),
    ("rnn-relu-reverse", R.rnn_sequence, R.rnn_sequence_decomposition,
     lambda: (arr(4, 2, 3), arr(2, 3, seed=1), arr(3, 3, seed=2, scale=0.5)), dict(nonlinearity="relu", reverse=True)),
    ("lstm-proj", _lstm, R.lstm_sequence_decomposition,
     lambda: (arr(4, 2, 12), arr(2, 2, seed=1), arr(2, 3, seed=2), arr(12, 2, seed=3, scale=0.5),
              arr(2, 3, seed=4, scale=0.5)), dict(reverse=False)),
    ("lstm-reverse", _lstm, R.lstm_sequence_decomposition,
     lambda: (arr(3, 2, 8), arr(2, 2, seed=1), arr(2, 2, seed=2), arr(8, 2, seed=3), None), dict(reverse=True)),
    ("gru", R.gru_sequence, R.gru_sequence_decomposition,
     lambda: (arr(4, 2, 9), arr(2, 3, seed=1), arr(9, 3, seed=2, scale=0.5), arr(9, seed=3)), dict(reverse=False)),
    ("gru-nobias-reverse", R.gru_sequence, R.gru_sequence_decomposition,
     lambda: (arr(3, 1, 6), arr(1, 2, seed=1), arr(6, 2, seed=2), None), dict(reverse=True)),
    ("attention-causal-dropout", A.attention, A.attention_decomposition,
     lambda: (arr(2, 2, 4, 3), arr(2, 2, 4, 3, seed=1), arr(2, 2, 4, 5, seed=2), arr(4, 4, seed=3),
              nr.asarray((np.random.default_rng(4).random((2, 2, 4, 4)) > 0.3) / 0.7)),
     dict(scale=0.6, causal=True)),
    ("attention-broadcast-bias", A.attention, A.attention_decomposition,
     lambda: (arr(3, 2, 4), arr(3, 5, 4, seed=1), arr(3, 5, 2, seed=2), arr(3, 1, 5, seed=3), None),
     dict(scale=0.5, causal=False)),
    ("affine-3d", BN.affine, BN.affine_decomposition, lambda: (arr(2, 3, 4), arr(3, 4, seed=1), arr(3, 4, seed=2)),
     {}),
    ("affine-noshift", BN.affine, BN.affine_decomposition, lambda: (arr(5, 6), arr(6, seed=1), None), {}),
    ("batch-norm-4d", BN.batch_norm, BN.batch_norm_decomposition,
     lambda: (arr(3, 2, 4, 3), arr(2, seed=1), arr(2, seed=2)), dict(eps=1e-5)),
    ("batch-norm-2d-noaffine", BN.batch_norm, BN.batch_norm_decomposition, lambda: (arr(6, 3), None, None),
     dict(eps=1e-3)),
]


def _outputs(res):
    return res if isinstance(res, tuple) else (res,)


@pytest.mark.parametrize("name,fused,decomposition,build,params", CASES, ids=[c[0] for c in CASES])
def test_kernel_equals_decomposition_values_and_gradients(name, fused, decomposition, build, params):
    a, b = build(), build()
    ys_kernel, ys_decomp = _outputs(fused(*a, **params)), _outputs(decomposition(*b, **params))
    loss_k = loss_d = 0.0
    for i, (yk, yd) in enumerate(zip(ys_kernel, ys_decomp)):
        np.testing.assert_allclose(yk.detach().numpy(), yd.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"output {i}")
        w = nr.asarray(np.random.default_rng(10 + i).standard_normal(yk.shape))
        loss_k = loss_k + (yk * w).sum()
        loss_d = loss_d + (yd * w).sum()
    loss_k.backward()
    loss_d.backward()
    for i, (xk, xd) in enumerate(zip(a, b)):
        if isinstance(xk, nr.Tensor) and xk.requires_grad:
            np.testing.assert_allclose(xk.grad.numpy(), xd.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=f"input {i}")


def test_sequence_backward_with_only_the_last_state_needed():
    """The LSTM classifier's case: no gradient reaches the per-step outputs, only h_n."""
    xw, h0, c0, w = arr(5, 3, 8), arr(3, 2, seed=1), arr(3, 2, seed=2), arr(8, 2, seed=3)
    _, h, _, _, _ = R.lstm_sequence(xw, h0, c0, w)
    h.sum().backward()
    xw2, h02, c02, w2 = arr(5, 3, 8), arr(3, 2, seed=1), arr(3, 2, seed=2), arr(8, 2, seed=3)
    R.lstm_sequence_decomposition(xw2, h02, c02, w2, None, False)[1].sum().backward()
    for x, ref in ((xw, xw2), (h0, h02), (c0, c02), (w, w2)):
        np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_sdpa_dropout_is_the_seeded_mask_times_the_softmax():
    q, k, v = (np.random.default_rng(i).standard_normal((2, 3, 4, 5)) for i in range(3))
    nr.random.seed(7)
    got = F.scaled_dot_product_attention(nr.asarray(q), nr.asarray(k), nr.asarray(v), dropout_p=0.4).numpy()
    nr.random.seed(7)
    keep = (nr.random.uniform((2, 3, 4, 4), dtype=nr.float64).numpy() >= 0.4) / 0.6
    s = q @ k.swapaxes(-1, -2) / np.sqrt(5)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    np.testing.assert_allclose(got, (w * keep) @ v, rtol=1e-12)


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_grouped_query_attention_matches_torch(causal):
    q, k, v = np.random.default_rng(0).standard_normal((2, 4, 3, 5)), \
        np.random.default_rng(1).standard_normal((2, 2, 3, 5)), np.random.default_rng(2).standard_normal((2, 2, 3, 2))
    ours = F.scaled_dot_product_attention(*(nr.asarray(t) for t in (q, k, v)), is_causal=causal, enable_gqa=True)
    ref = torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(t) for t in (q, k, v)), is_causal=causal,
                                                           enable_gqa=True)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-10)


@pytest.mark.parametrize("shape,wshape,stride,padding,dilation,groups", [
    ((16, 32, 3, 3), (32, 32, 3, 3), 1, 1, 1, 1),
    ((6, 8, 9, 7), (12, 4, 3, 2), 2, (1, 0), (1, 2), 2),
    ((5, 4, 6, 6), (8, 4, 1, 1), 2, 0, 1, 1),
])
def test_batched_conv_matches_torch_values_and_gradients(shape, wshape, stride, padding, dilation, groups):
    x, w = np.random.default_rng(0).standard_normal(shape), np.random.default_rng(1).standard_normal(wshape)
    xn, wn = nr.asarray(x, requires_grad=True), nr.asarray(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yn = F.conv2d(xn, wn, stride=stride, padding=padding, dilation=dilation, groups=groups)
    yt = torch.nn.functional.conv2d(xt, wt, stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(2).standard_normal(yt.shape)
    (yn * nr.asarray(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wn.grad.numpy(), wt.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv_workspaces_are_reused_and_never_leak_into_results():
    _workspace.release()
    x_big, w = arr(8, 16, 12, 12, grad=False), arr(16, 16, 3, 3, seed=1, grad=False)
    first = F.conv2d(x_big, w, padding=1).numpy()
    held = _workspace.held_bytes()
    assert held > 0
    x_small = arr(2, 16, 9, 9, seed=2, grad=False)  # the same (shifted) form as the larger call
    small = F.conv2d(x_small, w, padding=1).numpy()
    again = F.conv2d(x_big, w, padding=1).numpy()
    assert _workspace.held_bytes() == held  # a smaller call fits the buffers a larger one grew
    np.testing.assert_array_equal(first, again)  # results do not alias the scratch buffers
    ref = torch.nn.functional.conv2d(torch.tensor(x_small.numpy()), torch.tensor(w.numpy()), padding=1)
    np.testing.assert_allclose(small, ref.numpy(), rtol=1e-10, atol=1e-10)


def test_sequence_ops_name_bad_shapes():
    with pytest.raises(ValueError, match="lstm_sequence: expected xw"):
        R.lstm_sequence(arr(3, 2, 7), arr(2, 2), arr(2, 2), arr(8, 2))
    with pytest.raises(ValueError, match="gru_sequence: b_hh must be"):
        R.gru_sequence(arr(3, 2, 6), arr(2, 2), arr(6, 2), arr(5))
    with pytest.raises(ValueError, match="rnn_sequence: nonlinearity"):
        R.rnn_sequence(arr(3, 2, 2), arr(2, 2), arr(2, 2), "sigmoid")
    with pytest.raises(ValueError, match="T>0"):
        R.rnn_sequence(arr(0, 2, 2), arr(2, 2), arr(2, 2))


def test_cross_entropy_rejects_a_bad_target_dtype():
    with pytest.raises(TypeError, match="cross_entropy: target must hold class indices"):
        F.cross_entropy(arr(3, 4), nr.asarray(np.array([True, False, True])))


@pytest.mark.parametrize("stride", [1, 2])
def test_conv_of_an_empty_batch(stride):
    x = nr.asarray(np.zeros((0, 3, 5, 5)), requires_grad=True)
    w = nr.asarray(np.random.default_rng(0).standard_normal((4, 3, 3, 3)), requires_grad=True)
    y = F.conv2d(x, w, stride=stride, padding=1)
    y.sum().backward()
    ref = torch.nn.functional.conv2d(torch.zeros(0, 3, 5, 5), torch.zeros(4, 3, 3, 3), stride=stride, padding=1)
    assert y.shape == tuple(ref.shape) and x.grad.shape == x.shape
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((4, 3, 3, 3)))


@pytest.mark.parametrize("case", ["plain", "row-of-large-negatives", "large-scores", "row-all-masked"])
def test_sdpa_softmax_without_row_maxima_falls_back_where_it_must(case):
    """The kernel's softmax skips the row maxima unless an exponential could overflow or a row's sum underflow:
    each side of that test against torch, in float32 (where the limits bite)."""
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((2, 3, 6, 8)).astype(np.float32) for _ in range(3))
    mask = np.zeros((6, 6), np.float32)
    if case == "row-of-large-negatives":
        mask[2] = -1e4          # every key of query 2 pushed far down: torch gives it uniform weights
    if case == "large-scores":
        q *= 40.0               # scores of several hundred: exp would overflow unshifted
    if case == "row-all-masked":
        mask[4] = -np.inf       # zero weights for that query (and finite gradients), as torch's sdpa gives
    g = rng.standard_normal((2, 3, 6, 8)).astype(np.float32)
    nq, nk, nv = (nr.asarray(a, requires_grad=True) for a in (q, k, v))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out = F.scaled_dot_product_attention(nq, nk, nv, attn_mask=nr.asarray(mask))
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=2e-5, atol=2e-5)
    (out * nr.asarray(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    # scores near -1e4 keep float32 steps of 1e-3: gradients through them agree to that
    tol = 1e-3 if case == "row-of-large-negatives" else 1e-4
    for a, b in ((nq, tq), (nk, tk), (nv, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol)
    # the decomposition (other backends' path) agrees with the kernel, fully masked rows included
    d_out, _ = A.attention_decomposition(nr.asarray(q), nr.asarray(k), nr.asarray(v), nr.asarray(mask), None,
                                         1 / np.sqrt(8), False)
    np.testing.assert_allclose(d_out.numpy(), ref.detach().numpy(), rtol=2e-5, atol=2e-5)
