"""Recurrent parity with PyTorch: RNN/LSTM/GRU multi-layer, bidirectional, batch_first, initial states, cells."""
import numpy as np
import pytest

from nn_parity import check, randn, torch

import nr_nn as nn

CASES = [
    ({}, False),
    ({"num_layers": 2}, False),
    ({"bidirectional": True}, False),
    ({"num_layers": 2, "bidirectional": True, "batch_first": True}, False),
    ({"bias": False, "batch_first": True}, True),
    ({"num_layers": 3, "bidirectional": True}, True),
]


def _inputs(kwargs, with_state, mode, unbatched=False):
    L, N, H_in, H = 5, 3, 4, 6
    x = randn(L, H_in, seed=1) if unbatched else (
        randn(N, L, H_in, seed=1) if kwargs.get("batch_first") else randn(L, N, H_in, seed=1))
    if not with_state:
        return [x], H_in, H
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    shape = (layers, H) if unbatched else (layers, N, H)
    h = randn(*shape, seed=2)
    return ([x, h, randn(*shape, seed=3)] if mode == "LSTM" else [x, h]), H_in, H


def _call(mode, with_state):
    if not with_state:
        return None
    if mode == "LSTM":
        return lambda m, x, h, c: m(x, (h, c))
    return lambda m, x, h: m(x, h)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kwargs,with_state", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_recurrent(mode, kwargs, with_state):
    inputs, h_in, h = _inputs(kwargs, with_state, mode)
    nr_mod, t_mod = getattr(nn, mode)(h_in, h, **kwargs), getattr(torch.nn, mode)(h_in, h, **kwargs)
    check(nr_mod, t_mod, inputs, call=_call(mode, with_state))


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_recurrent_unbatched(mode):
    inputs, h_in, h = _inputs({"num_layers": 2}, True, mode, unbatched=True)
    nr_mod, t_mod = getattr(nn, mode)(h_in, h, num_layers=2), getattr(torch.nn, mode)(h_in, h, num_layers=2)
    check(nr_mod, t_mod, inputs, call=_call(mode, True))


def test_rnn_relu_and_lstm_projection():
    check(nn.RNN(4, 5, nonlinearity="relu", num_layers=2), torch.nn.RNN(4, 5, nonlinearity="relu", num_layers=2),
          [randn(6, 2, 4, seed=4)])
    check(nn.LSTM(4, 6, proj_size=3, bidirectional=True), torch.nn.LSTM(4, 6, proj_size=3, bidirectional=True),
          [randn(6, 2, 4, seed=5)])


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells(cell, bias):
    nr_mod, t_mod = getattr(nn, cell)(4, 5, bias=bias), getattr(torch.nn, cell)(4, 5, bias=bias)
    if cell == "LSTMCell":
        check(nr_mod, t_mod, [randn(3, 4, seed=6), randn(3, 5, seed=7), randn(3, 5, seed=8)],
              call=lambda m, x, h, c: m(x, (h, c)))
    else:
        check(nr_mod, t_mod, [randn(3, 4, seed=6), randn(3, 5, seed=7)])


def test_parameter_names_follow_torch():
    for mode in ("RNN", "LSTM", "GRU"):
        ours = nn.__dict__[mode](3, 4, num_layers=2, bidirectional=True)
        ref = getattr(torch.nn, mode)(3, 4, num_layers=2, bidirectional=True)
        assert list(ours.state_dict()) == list(ref.state_dict())
        assert all(ours.state_dict()[k].shape == tuple(v.shape) for k, v in ref.state_dict().items())
    assert "weight_hh_l0_reverse" in nn.LSTM(3, 4, bidirectional=True).state_dict()
    assert np.allclose(nn.GRU(3, 8).weight_ih_l0.detach().numpy().std(), (2 / 8 ** 0.5) / 12 ** 0.5, rtol=0.2)
