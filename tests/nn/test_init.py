"""nn.init: gains, fan computation, distribution bounds and moments, reproducibility, default layer init."""
import math

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
from nr_nn import init


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="unsupported"):
        init.calculate_gain("swish")


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(nr.zeros((8, 3, 5, 5))) == (75, 200)
    assert init._calculate_fan_in_and_fan_out(nr.zeros((7, 4))) == (4, 7)
    with pytest.raises(ValueError, match="fewer than 2"):
        init._calculate_fan_in_and_fan_out(nr.zeros(3))


def _moments(t):
    v = t.detach().numpy().ravel()
    return v.min(), v.max(), v.mean(), v.std()


@pytest.mark.parametrize("fn,kwargs,bound,std", [
    (init.uniform_, {"a": -2.0, "b": 3.0}, (-2, 3), 5 / math.sqrt(12)),
    (init.xavier_uniform_, {}, None, math.sqrt(2 / (400 + 300))),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, None, math.sqrt(1 / 3) / math.sqrt(300)),
    (init.normal_, {"mean": 1.0, "std": 0.5}, None, 0.5),
    (init.xavier_normal_, {"gain": 2.0}, None, 2 * math.sqrt(2 / 700)),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, None, math.sqrt(2) / math.sqrt(400)),
])
def test_distributions(fn, kwargs, bound, std):
    t = nr.zeros((400, 300))
    fn(t, **kwargs)
    lo, hi, mean, sd = _moments(t)
    assert sd == pytest.approx(std, rel=0.02)
    if bound is not None:
        assert bound[0] <= lo and hi <= bound[1]


def test_constants_orthogonal_eye_dirac():
    t = nr.zeros((3, 4))
    assert np.all(init.ones_(t).numpy() == 1) and np.all(init.constant_(t, 2.5).numpy() == 2.5)
    assert np.all(init.zeros_(t).numpy() == 0)
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(3, 4))
    for shape in ((5, 3), (3, 5), (4, 2, 3)):
        q = init.orthogonal_(nr.zeros(shape, dtype=nr.float64), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-10)
    d = init.dirac_(nr.zeros((2, 2, 3, 3))).numpy()
    assert d[0, 0, 1, 1] == 1 and d[1, 1, 1, 1] == 1 and d.sum() == 2
    tn = init.trunc_normal_(nr.zeros(5000), std=1.0, a=-0.5, b=0.5).numpy()
    assert tn.min() >= -0.5 and tn.max() <= 0.5


def test_seed_makes_models_reproducible():
    nr.random.seed(7)
    a = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Linear(4, 2), nn.LSTM(2, 3))
    nr.random.seed(7)
    b = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Linear(4, 2), nn.LSTM(2, 3))
    for (k, v), w in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(v.numpy(), w.numpy(), err_msg=k)


def test_default_initialisation_follows_torch():
    lin = nn.Linear(300, 200)
    w = lin.weight.detach().numpy()
    bound = 1 / math.sqrt(300)  # kaiming_uniform with a=sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    conv = nn.Conv2d(8, 16, 3)
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / math.sqrt(72)
    emb = nn.Embedding(1000, 8, padding_idx=0).weight.detach().numpy()
    assert np.all(emb[0] == 0) and abs(emb[1:].std() - 1) < 0.05
    mha = nn.MultiheadAttention(16, 4)
    assert np.all(mha.in_proj_bias.detach().numpy() == 0) and np.all(mha.out_proj.bias.detach().numpy() == 0)
    bn = nn.BatchNorm2d(3)
    assert np.all(bn.weight.detach().numpy() == 1) and np.all(bn.running_var.numpy() == 1)
    assert np.all(nn.PReLU().weight.detach().numpy() == 0.25)
    rnn = nn.GRU(4, 10)
    assert all(np.abs(p.detach().numpy()).max() <= 1 / math.sqrt(10) for p in rnn.parameters())
