"""Gradients of compositions side by side with PyTorch CPU (a test-time reference only), float64, to 1e-10 relative."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_autograd as ag

torch = pytest.importorskip("torch")

RTOL = 1e-10
_rng = np.random.default_rng(7)


def _r(*shape, lo=-1.0, hi=1.0):
    return _rng.uniform(lo, hi, shape)


def _c(*shape):
    return _rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)


LABELS = np.array([2, 0, 1, 2])
MASK = np.array([[True, False, True], [False, True, True]])
IDX = np.array([3, 0, 0, 2, 3])

# name, nr function, torch function, input arrays (all differentiated)
CASES = [
    ("mlp-layer", lambda x, w, b: nr.tanh(x @ w + b).sum(), lambda x, w, b: torch.tanh(x @ w + b).sum(),
     (_r(4, 3), _r(3, 5), _r(5))),
    ("cross-entropy",
     lambda z: nr.mean(nr.logsumexp(z, axis=1) - z[nr.arange(4), nr.asarray(LABELS)]),
     lambda z: torch.nn.functional.cross_entropy(z, torch.tensor(LABELS)), (_r(4, 3, lo=-3, hi=3),)),
    ("bce", lambda z, y: nr.mean(-(y * nr.log(nr.sigmoid(z)) + (1 - y) * nr.log(1 - nr.sigmoid(z)))),
     lambda z, y: torch.mean(-(y * torch.log(torch.sigmoid(z)) + (1 - y) * torch.log(1 - torch.sigmoid(z)))),
     (_r(6), _r(6, lo=0.1, hi=0.9))),
    ("layer-norm", lambda x, g, b: (x - x.mean(axis=1, keepdims=True))
     / nr.sqrt(nr.var(x, axis=1, keepdims=True) + 1e-5) * g + b,
     lambda x, g, b: (x - x.mean(dim=1, keepdim=True)) / torch.sqrt(x.var(dim=1, keepdim=True, correction=0) + 1e-5)
     * g + b, (_r(3, 4), _r(4), _r(4))),
    ("polynomial", lambda x: (x ** 3 - 2 * x ** 2 + x).sum(), lambda x: (x ** 3 - 2 * x ** 2 + x).sum(), (_r(5),)),
    ("trig-exp", lambda x, y: (nr.sin(x) * nr.cos(y) + nr.exp(-x * y)).sum(),
     lambda x, y: (torch.sin(x) * torch.cos(y) + torch.exp(-x * y)).sum(), (_r(2, 3), _r(3))),
    ("softplus", lambda x: nr.log1p(nr.exp(x)).sum(), lambda x: torch.log1p(torch.exp(x)).sum(), (_r(5, lo=-3, hi=3),)),
    ("sqrt-norm", lambda x: nr.sqrt(x * x + 1).sum(), lambda x: torch.sqrt(x * x + 1).sum(), (_r(4),)),
    ("max-min", lambda x, y: (nr.maximum(x, y) + nr.minimum(x, 0.3)).sum(),
     lambda x, y: (torch.maximum(x, y) + torch.clamp(x, max=0.3)).sum(), (_r(6), _r(6))),
    ("leaky-relu", lambda x: nr.where(x > 0, x, 0.1 * x).sum(), lambda x: torch.where(x > 0, x, 0.1 * x).sum(),
     (_r(6),)),
    ("clip", lambda x: (nr.clip(x, -0.5, 0.5) * x).sum(), lambda x: (torch.clamp(x, -0.5, 0.5) * x).sum(), (_r(6),)),
    ("prod", lambda x: nr.prod(x, axis=1).sum(), lambda x: torch.prod(x, dim=1).sum(), (_r(3, 4, lo=0.5, hi=1.5),)),
    ("cumsum-cumprod", lambda x: (nr.cumulative_sum(x, axis=1) ** 2).sum() + nr.cumulative_prod(x, axis=1).sum(),
     lambda x: (torch.cumsum(x, dim=1) ** 2).sum() + torch.cumprod(x, dim=1).sum(), (_r(2, 4),)),
    ("var-std", lambda x: nr.var(x, axis=0, correction=1).sum() + nr.std(x, axis=1).sum(),
     lambda x: torch.var(x, dim=0, correction=1).sum() + torch.std(x, dim=1, correction=0).sum(), (_r(4, 3),)),
    ("max-keepdims", lambda x: (nr.max(x, axis=1, keepdims=True) * x).sum() + nr.min(x),
     lambda x: (torch.amax(x, dim=1, keepdim=True) * x).sum() + torch.amin(x), (_r(3, 4),)),
    ("reshape-permute-matmul", lambda x, w: (nr.permute_dims(nr.reshape(x, (2, 3, 2)), (0, 2, 1)) @ w).sum(),
     lambda x, w: (x.reshape(2, 3, 2).permute(0, 2, 1) @ w).sum(), (_r(12), _r(3, 2))),
    ("concat-stack-flip", lambda a, b: (nr.flip(nr.concat([a, b], axis=0), axis=1) * nr.stack([a, a, b], axis=0)[1:]
                                        .reshape((4, 3))).sum(),
     lambda a, b: (torch.flip(torch.cat([a, b], dim=0), dims=(1,)) * torch.stack([a, a, b], dim=0)[1:]
                   .reshape(4, 3)).sum(), (_r(2, 3), _r(2, 3))),
    ("gather-repeats", lambda x: (x[nr.asarray(IDX)] ** 2).sum(), lambda x: (x[torch.tensor(IDX)] ** 2).sum(),
     (_r(4, 2),)),
    ("bool-mask", lambda x: (nr.exp(x[nr.asarray(MASK)])).sum(), lambda x: torch.exp(x[torch.tensor(MASK)]).sum(),
     (_r(2, 3),)),
    ("take-along", lambda x: (nr.take_along_axis(x, nr.asarray([[0, 2], [1, 1]]), axis=1) * 3).sum()
     + nr.take(x, nr.asarray([2, 2]), axis=1).sum(),
     lambda x: (torch.take_along_dim(x, torch.tensor([[0, 2], [1, 1]]), dim=1) * 3).sum()
     + torch.index_select(x, 1, torch.tensor([2, 2])).sum(), (_r(2, 3),)),
    ("tile-repeat", lambda x: (nr.tile(x, (2, 2)) * nr.repeat(x, 2, axis=0).reshape((2, 6))[:, :3].reshape((2, 3))
                               .sum()).sum(),
     lambda x: (torch.tile(x, (2, 2)) * torch.repeat_interleave(x, 2, dim=0).reshape(2, 6)[:, :3].reshape(2, 3)
                .sum()).sum(), (_r(2, 3),)),
    ("sort-weights", lambda x: (nr.sort(x, descending=True) * nr.asarray([3.0, 2.0, 1.0, 0.5])).sum(),
     lambda x: (torch.sort(x, descending=True).values * torch.tensor([3.0, 2.0, 1.0, 0.5], dtype=torch.float64)).sum(),
     (_r(4),)),
    ("roll-moveaxis", lambda x: (nr.roll(nr.moveaxis(x, 0, -1), 1, axis=0) * nr.arange(6.0).reshape((3, 2))).sum(),
     lambda x: (torch.roll(torch.movedim(x, 0, -1), 1, dims=0) * torch.arange(6.0, dtype=torch.float64)
                .reshape(3, 2)).sum(), (_r(2, 3),)),
    ("broadcast-divide", lambda a, b: (a / b).sum(), lambda a, b: (a / b).sum(), (_r(3, 1), _r(4, lo=0.5, hi=2))),
    ("atan2-hypot", lambda a, b: (nr.atan2(a, b) * nr.hypot(a, b)).sum(),
     lambda a, b: (torch.atan2(a, b) * torch.hypot(a, b)).sum(), (_r(5), _r(5, lo=0.5, hi=2))),
    ("pow-tensor", lambda a, b: (a ** b).sum(), lambda a, b: (a ** b).sum(), (_r(4, lo=0.5, hi=2), _r(4))),
    ("tensordot-vecdot", lambda a, b: nr.tensordot(a, b, axes=1).sum() + nr.vecdot(a, a).sum(),
     lambda a, b: torch.tensordot(a, b, dims=1).sum() + torch.linalg.vecdot(a, a).sum(), (_r(2, 3), _r(3, 4))),
    ("inv-det", lambda a: nr.linalg.inv(a).sum() + nr.linalg.det(a),
     lambda a: torch.linalg.inv(a).sum() + torch.linalg.det(a), (_r(3, 3) + 3 * np.eye(3),)),
    ("solve", lambda a, b: (nr.linalg.solve(a, b) ** 2).sum(), lambda a, b: (torch.linalg.solve(a, b) ** 2).sum(),
     (_r(3, 3) + 3 * np.eye(3), _r(3, 2))),
    ("svdvals-fro", lambda a: nr.linalg.svdvals(a).sum() + nr.linalg.matrix_norm(a),
     lambda a: torch.linalg.svdvals(a).sum() + torch.linalg.matrix_norm(a), (_r(4, 3),)),
    ("cholesky", lambda a: nr.linalg.cholesky(a @ a.mT + 3 * nr.eye(3, dtype=nr.float64)).sum(),
     lambda a: torch.linalg.cholesky(a @ a.mT + 3 * torch.eye(3, dtype=torch.float64)).sum(), (_r(3, 3),)),
    ("fft-power", lambda x: (nr.abs(nr.fft.fft(x)) ** 2).sum() + nr.fft.irfft(nr.fft.rfft(x * x)).sum(),
     lambda x: (torch.abs(torch.fft.fft(x)) ** 2).sum() + torch.fft.irfft(torch.fft.rfft(x * x)).sum(), (_r(6),)),
    ("complex-leaf", lambda z: nr.abs(nr.exp(z) * nr.conj(z)).sum() + nr.real(z * z).sum(),
     lambda z: torch.abs(torch.exp(z) * torch.conj(z)).sum() + torch.real(z * z).sum(), (_c(3) * 0.5,)),
    ("misc-unary", lambda a, b: (nr.logaddexp(a, b) + nr.expm1(a) * nr.atan(b) + nr.asinh(a)).sum(),
     lambda a, b: (torch.logaddexp(a, b) + torch.expm1(a) * torch.atan(b) + torch.asinh(a)).sum(), (_r(4), _r(4))),
    ("setitem", lambda x: _set_nr(x), lambda x: _set_torch(x), (_r(4),)),
    ("diff-remainder", lambda x: (nr.diff(x) ** 2).sum() + nr.remainder(x, 0.7).sum(),
     lambda x: (torch.diff(x) ** 2).sum() + torch.remainder(x, 0.7).sum(), (_r(5, lo=0.1, hi=0.6),)),
]


def _set_nr(x):
    y = x * 1.0
    y[1:] = y[1:] * 2.0 + y[:3]
    return (y * y).sum()


def _set_torch(x):
    y = x * 1.0
    y[1:] = y[1:] * 2.0 + y[:3].clone()
    return (y * y).sum()


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("name, nr_fn, torch_fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_gradients_match_torch(name, nr_fn, torch_fn, arrays):
    xs = [nr.asarray(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    nr_out, t_out = nr_fn(*xs), torch_fn(*ts)
    np.testing.assert_allclose(nr_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    nr_out.sum().backward()
    t_out.sum().backward()
    for x, t in zip(xs, ts):
        assert _rel(x.grad.numpy(), t.grad.numpy()) < RTOL, name


def test_at_least_thirty_compositions():
    assert len(CASES) >= 30


def test_hessian_vector_product_matches_torch():
    a, v = _r(4), _r(4)
    x = nr.asarray(a, requires_grad=True)
    (g,) = ag.grad((nr.tanh(x) * x ** 2).sum(), x, create_graph=True)
    (hv,) = ag.grad((g * nr.asarray(v)).sum(), x)
    t = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad((torch.tanh(t) * t ** 2).sum(), t, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    assert _rel(hv.numpy(), thv.numpy()) < RTOL
