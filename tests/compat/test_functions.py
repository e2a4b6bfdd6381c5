"""PyTorch functions met in programs beyond the issue's checklist, against PyTorch or hand-worked numbers:
multinomial and bernoulli (frequencies within a few standard errors of the exact distribution), isclose,
diagonals, and the names whose PyTorch meaning differs from the standard's."""
import numpy as np
import pytest

import neurarust as torch

P = [0.1, 0.0, 0.6, 0.3]


def _freq(draws, c=4):
    return np.bincount(np.asarray(draws).ravel(), minlength=c) / np.asarray(draws).size


def test_with_replacement_follows_the_weights_of_each_row():
    torch.manual_seed(0)
    w = torch.tensor([[1.0, 0.0, 6.0, 3.0], [1.0, 1.0, 0.0, 2.0]])  # unnormalised, as PyTorch allows
    s = torch.multinomial(w, 20000, replacement=True)
    assert s.shape == (2, 20000) and s.dtype == torch.int64
    np.testing.assert_allclose(_freq(s[0].numpy()), P, atol=0.015)
    np.testing.assert_allclose(_freq(s[1].numpy()), [0.25, 0.25, 0.0, 0.5], atol=0.015)


def test_without_replacement_is_drawing_one_at_a_time_and_removing_it():
    torch.manual_seed(1)
    p = torch.tensor(P)
    s = np.stack([torch.multinomial(p, 2).numpy() for _ in range(4000)])
    assert (s[:, 0] != s[:, 1]).all() and not (s == 1).any()
    # P(j second) = sum_i p_i p_j / (1 - p_i)
    second = [sum(P[i] * P[j] / (1 - P[i]) for i in range(4) if i != j) for j in range(4)]
    np.testing.assert_allclose(_freq(s[:, 0]), P, atol=0.03)
    np.testing.assert_allclose(_freq(s[:, 1]), second, atol=0.03)
    assert torch.tensor(P).multinomial(1).shape == (1,)


@pytest.mark.parametrize("weights, k, match", [([0.5, 0.0, 0.5], 3, "without replacement"),
                                               ([0.0, 0.0], 1, "sums to 0"), ([1.0, -1.0], 1, "non-negative")])
def test_impossible_draws_are_refused(weights, k, match):
    with pytest.raises(ValueError, match=match):
        torch.multinomial(torch.tensor(weights), k)


def test_bernoulli():
    torch.manual_seed(2)
    x = torch.bernoulli(torch.full((20000,), 0.3))
    assert set(np.unique(x.numpy())) == {0.0, 1.0} and abs(float(x.mean()) - 0.3) < 0.015
    assert abs(float(torch.bernoulli(torch.zeros(20000), 0.8).mean()) - 0.8) < 0.015


def test_isclose_and_allclose_as_pytorch():
    tt = pytest.importorskip("torch")
    a = [1.0, 1.0 + 1e-6, 1.1, float("inf"), float("-inf"), float("nan"), 0.0, 1e-9]
    b = [1.0, 1.0, 1.0, float("inf"), float("inf"), float("nan"), 1e-9, 0.0]
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 1e-8, "rtol": 0.0}):
        want = tt.isclose(tt.tensor(a, dtype=tt.float64), tt.tensor(b, dtype=tt.float64), **kw).tolist()
        got = torch.isclose(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), **kw)
        assert got.tolist() == want, kw
    x = torch.tensor([1.0, 2.0])
    assert torch.allclose(x, x + 1e-7) and not torch.allclose(x, x + 1e-3) and x.allclose(x)
    assert torch.isclose(torch.tensor([1, 2]), torch.tensor([1, 3])).tolist() == [True, False]


def test_names_where_pytorch_and_the_standard_disagree_mean_pytorchs_under_neurarust():
    tt = pytest.importorskip("torch")
    import nr_core as nr
    a = [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]
    x, t = torch.tensor(a), tt.tensor(a)
    np.testing.assert_allclose(torch.std(x).item(), tt.std(t).item(), rtol=1e-6)
    np.testing.assert_allclose(torch.var(x, 1).numpy(), tt.var(t, 1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(torch.std(x, unbiased=False).item(), tt.std(t, unbiased=False).item(), rtol=1e-6)
    np.testing.assert_allclose(torch.var(x, correction=0).item(), tt.var(t, correction=0).item(), rtol=1e-6)
    v, i = torch.sort(x)
    tv, ti = tt.sort(t)
    assert v.tolist() == tv.tolist() and i.tolist() == ti.tolist()
    assert torch.sort(x, 0, descending=True).values.tolist() == tt.sort(t, 0, descending=True).values.tolist()
    assert torch.squeeze(torch.ones(2, 1), 0).shape == tuple(tt.squeeze(tt.ones(2, 1), 0).shape) == (2, 1)
    assert torch.equal(x, torch.tensor(a)) is True and torch.equal(x, x[:1]) is False
    assert x.equal(x) and not x.equal(x + 1)
    m = x > 2.5
    assert torch.nonzero(m).tolist() == tt.nonzero(t > 2.5).tolist() == m.nonzero().tolist()
    assert [r.tolist() for r in torch.where(m)] == [r.tolist() for r in tt.where(t > 2.5)]
    assert x.masked_select(m).tolist() == t.masked_select(t > 2.5).tolist()
    np.testing.assert_allclose(x.softmax(-1).numpy(), t.softmax(-1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(dim=0).numpy(), t.log_softmax(dim=0).numpy(), rtol=1e-6)
    # nr_core keeps the standard's meaning
    np.testing.assert_allclose(nr.std(x).item(), np.std(a), rtol=1e-6)
    assert nr.equal(x, x).shape == (2, 3) and isinstance(nr.nonzero(m), tuple)


def test_diagonals_as_pytorch():
    tt = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    for args in [(0, 0, 1), (1, 1, 2), (-1, 2, 0), (0, -1, -2)]:
        assert torch.diagonal(torch.tensor(a), *args).tolist() == tt.diagonal(tt.tensor(a), *args).tolist(), args
    for k in (0, 1, -2):
        assert torch.diag(torch.tensor([1.0, 2.0, 3.0]), k).tolist() == tt.diag(tt.tensor([1.0, 2.0, 3.0]), k).tolist()
    m = np.arange(12.0).reshape(3, 4)
    for k in (0, 1, -1):
        assert torch.tensor(m).diag(k).tolist() == tt.tensor(m).diag(k).tolist()
    assert torch.trace(torch.tensor(m)).item() == torch.tensor(m).trace().item() == tt.trace(tt.tensor(m)).item()
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (torch.diag(x, 1) * torch.arange(16.0).reshape(4, 4)).sum().backward()
    assert x.grad.tolist() == [1.0, 6.0, 11.0]  # d/dx of x_i * arange[i, i + 1]


def test_pytorch_top_level_compositions_match_pytorch():
    tt = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    x, y = torch.tensor(a), tt.tensor(a)
    z = np.array([3, 1, 1, 0, 3, 3])
    n = np.array([np.nan, np.inf, -np.inf, 1.0], dtype=np.float32)
    e = np.arange(24.0).reshape(2, 3, 4)
    pairs = [
        (torch.amax(x, 1), tt.amax(y, 1)), (torch.amin(x, dim=0, keepdim=True), tt.amin(y, dim=0, keepdim=True)),
        (torch.rsqrt(torch.abs(x)), tt.rsqrt(tt.abs(y))), (torch.neg(x), tt.neg(y)),
        (torch.cdist(x, x[:2]), tt.cdist(y, y[:2])), (torch.cdist(x, x[:2], p=1), tt.cdist(y, y[:2], p=1)),
        (torch.movedim(torch.tensor(e), (0, 1), (2, 0)), tt.movedim(tt.tensor(e), (0, 1), (2, 0))),
        (torch.movedim(torch.tensor(e), 0, -1), tt.movedim(tt.tensor(e), 0, -1)),
        (torch.hstack([x, x]), tt.hstack([y, y])), (torch.vstack([x[0], x[1]]), tt.vstack([y[0], y[1]])),
        (torch.column_stack([x[0], x[1]]), tt.column_stack([y[0], y[1]])), (torch.dstack([x, x]), tt.dstack([y, y])),
        (torch.repeat_interleave(x, 2, dim=1), tt.repeat_interleave(y, 2, dim=1)),
        (torch.repeat_interleave(x, 2), tt.repeat_interleave(y, 2)),
        (torch.bincount(torch.tensor(z)), tt.bincount(tt.tensor(z))),
        (torch.bincount(torch.tensor(z), torch.tensor(np.arange(6.0)), minlength=6),
         tt.bincount(tt.tensor(z), tt.tensor(np.arange(6.0)), minlength=6)),
        (torch.nan_to_num(torch.tensor(n)), tt.nan_to_num(tt.tensor(n))),
        (torch.nan_to_num(torch.tensor(n), 1.0, 2.0, -2.0), tt.nan_to_num(tt.tensor(n), 1.0, 2.0, -2.0)),
        (torch.masked_select(x, x > 0), tt.masked_select(y, y > 0)),
        *zip(torch.std_mean(x, 1), tt.std_mean(y, 1)), *zip(torch.var_mean(x), tt.var_mean(y)),
    ]
    for kw in ({}, {"return_inverse": True}, {"return_counts": True}, {"return_inverse": True, "return_counts": True}):
        got, want = torch.unique(torch.tensor(z), **kw), tt.unique(tt.tensor(z), **kw)
        pairs += list(zip(got, want)) if kw else [(got, want)]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    assert torch.is_tensor(x) and not torch.is_tensor(a) and torch.is_floating_point(x) and torch.numel(x) == 12
    assert torch.t(x).shape == torch.swapaxes(x, 0, 1).shape == (4, 3)


def test_default_dtype_rng_state_and_inference_mode():
    torch.set_default_dtype(torch.float64)
    try:
        assert torch.tensor([1.0]).dtype == torch.zeros(2).dtype == torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)
    assert torch.tensor([1.0]).dtype == torch.float32
    torch.manual_seed(5)
    assert torch.initial_seed() == 5
    state = torch.get_rng_state()
    r = torch.rand(3)
    torch.set_rng_state(state)
    assert torch.equal(r, torch.rand(3))
    assert torch.normal(torch.zeros(3), 1.0).shape == (3,) and torch.normal(0.0, 1.0, size=(2, 2)).shape == (2, 2)
    with torch.inference_mode():
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_in_place_on_outputs_a_rule_does_not_read_is_allowed_as_in_pytorch():
    # ResNet's `out = bn(conv(x)); out += shortcut` and a ReLU written in place after pooling: batch norm's rule reads
    # its statistics and max pooling's its indices, not the outputs changed here
    nn = torch.nn
    conv, bn, pool = nn.Conv2d(2, 2, 3, padding=1), nn.BatchNorm2d(2), nn.MaxPool2d(2)
    x = torch.randn(2, 2, 4, 4, requires_grad=True)
    out = bn(conv(x))
    out += x
    y = pool(out)
    y.relu_()  # a real in-place write (F.relu(inplace=True) computes out of place, see guide-nn)
    (y * torch.arange(8.0).reshape(1, 2, 2, 2)).sum().backward()
    tt = pytest.importorskip("torch")
    tconv, tbn = tt.nn.Conv2d(2, 2, 3, padding=1), tt.nn.BatchNorm2d(2)
    with tt.no_grad():
        tconv.weight.copy_(tt.tensor(conv.weight.detach().numpy()))
        tconv.bias.copy_(tt.tensor(conv.bias.detach().numpy()))
    tx = tt.tensor(x.detach().numpy(), requires_grad=True)
    tout = tbn(tconv(tx))
    tout += tx
    ty = tt.nn.functional.max_pool2d(tout, 2)
    ty.relu_()
    (ty * tt.arange(8.0).reshape(1, 2, 2, 2)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(conv.weight.grad.numpy(), tconv.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    # an output the rule does read still refuses: exp's result
    z = torch.randn(3, requires_grad=True)
    e = torch.exp(z)
    e += 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        e.sum().backward()
