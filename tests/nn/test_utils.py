"""nn.utils: gradient clipping against PyTorch and hand-worked values, vector <-> parameters."""
import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
from nr_nn import utils


def _params_with_grads(grads):
    ps = []
    for g in grads:
        p = nn.Parameter(nr.zeros(np.shape(g), dtype=nr.float64))
        p.grad = nr.asarray(np.asarray(g, dtype=np.float64))
        ps.append(p)
    return ps


def test_clip_grad_norm_hand_worked():
    ps = _params_with_grads([[3.0, 0.0], [[4.0]]])
    total = utils.clip_grad_norm_(ps, 1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad.numpy(), [3 / (5 + 1e-6), 0.0], rtol=1e-12)
    ps = _params_with_grads([[0.3, 0.4]])
    utils.clip_grad_norm_(ps, 1.0)  # under the limit: untouched
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.3, 0.4])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    grads = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate([(3, 4), (5,), (2, 2, 2)])]
    ps = _params_with_grads(grads)
    tps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(tps, grads):
        t.grad = torch.tensor(g)
    total = utils.clip_grad_norm_(ps, 0.7, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(tps, 0.7, norm_type)
    assert total.item() == pytest.approx(t_total.item(), rel=1e-10)
    for p, t in zip(ps, tps):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-10)


def test_clip_grad_norm_nonfinite():
    ps = _params_with_grads([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    ps = _params_with_grads([[-3.0, 0.5, 2.0]])
    utils.clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad.numpy(), [-1.0, 0.5, 1.0])


def test_vector_round_trip():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = utils.parameters_to_vector(net.parameters())
    assert vec.shape == (3 * 2 + 2 + 2 + 1,)
    np.testing.assert_array_equal(vec.detach().numpy()[:6], net[0].weight.detach().numpy().ravel())
    utils.vector_to_parameters(nr.arange(11, dtype=nr.float32), net.parameters())
    np.testing.assert_array_equal(net[1].bias.detach().numpy(), [10.0])
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), np.arange(6).reshape(2, 3))
    with pytest.raises(ValueError, match="11"):
        utils.vector_to_parameters(nr.zeros(5), net.parameters())
