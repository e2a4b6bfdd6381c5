"""Bugs that PyTorch programs ran into (issue 14), each checked against PyTorch 2.13's behaviour."""
import warnings

import numpy as np
import pytest
import torch

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F


def _net(mod):
    class Net(mod.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = mod.Conv2d(3, 4, 3)
            self.bn1 = mod.BatchNorm2d(4)
            self.fc = mod.Linear(4, 2)
    return Net()


@pytest.mark.parametrize("name", ["conv1", "bn1"])
def test_reassigning_a_submodule_keeps_its_place(name):
    ours, theirs = _net(nn), _net(torch.nn)
    setattr(ours, name, nn.Conv2d(3, 4, 5) if name == "conv1" else nn.BatchNorm2d(4))
    setattr(theirs, name, torch.nn.Conv2d(3, 4, 5) if name == "conv1" else torch.nn.BatchNorm2d(4))
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()] == ["conv1", "bn1", "fc"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # the idiom that broke: every layer but the head, in order
    body = nn.Sequential(*list(ours.children())[:-1])
    assert [type(m).__name__ for m in body] == ["Conv2d", "BatchNorm2d"]


def test_tied_weights_keep_their_place():
    def tied(mod):
        enc, dec = mod.Linear(6, 6, bias=False), mod.Linear(6, 6)
        dec.weight = enc.weight
        return mod.Sequential(enc, dec), dec
    ours, dec = tied(nn)
    theirs, _ = tied(torch.nn)
    assert [n for n, _ in dec.named_parameters()] == ["weight", "bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0.weight", "1.weight", "1.bias"]
    assert ours[1].weight is ours[0].weight


def test_reassigning_a_parameter_keeps_its_place():
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours.weight = nn.Parameter(nr.zeros((2, 3)))
    theirs.weight = torch.nn.Parameter(torch.zeros(2, 3))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["weight", "bias"]


P = np.array([0.0, 1.0, 0.0, 1.0, 0.3, 1e-8], dtype=np.float32)
T = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.5], dtype=np.float32)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_gradient_at_saturated_probabilities_is_pytorchs(reduction):
    x = nr.asarray(P, requires_grad=True)
    loss = F.binary_cross_entropy(x, nr.asarray(T), reduction=reduction)
    xt = torch.tensor(P, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy(xt, torch.tensor(T), reduction=reduction)
    np.testing.assert_allclose(loss.detach().numpy(), lt.detach().numpy(), rtol=1e-6)
    g = np.linspace(0.5, 1.5, 6).astype(np.float32)
    loss.backward(None if reduction != "none" else nr.asarray(g))
    lt.backward(None if reduction != "none" else torch.tensor(g))
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_bce_target_gradient_is_pytorchs():
    x = nr.asarray(P[2:5])
    t = nr.asarray(T[2:5], requires_grad=True)
    F.binary_cross_entropy(x, t).backward()
    tt = torch.tensor(T[2:5], requires_grad=True)
    torch.nn.functional.binary_cross_entropy(torch.tensor(P[2:5]), tt).backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-6)


def test_siamese_style_bce_on_saturated_sigmoid_stays_finite():
    # the siamese net's step 3: sigmoid saturates to exactly 1.0 in float32, BCE's gradient must stay finite
    w = nr.asarray([[30.0], [-30.0]], requires_grad=True)
    x = nr.asarray([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    loss = nn.BCELoss()(nr.sigmoid(x @ w), nr.asarray([[0.0], [1.0], [1.0]]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(w.grad.numpy()).all()


def _no_warnings(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning (NumPy's divide/invalid) fails the test
        fn()


def test_masked_log_of_zero_warns_nothing_forward_or_backward():
    def run():
        x = nr.asarray([0.0, 1.0, 2.0], requires_grad=True)
        y = nr.where(x > 0, nr.log(x), 0.0).sum()
        y.backward()
        assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1:].tolist() == [1.0, 0.5]  # PyTorch: [nan, 1, .5]
        nr.log2(nr.zeros(2)), nr.log10(nr.zeros(2)), nr.log1p(nr.asarray([-1.0]))
    _no_warnings(run)


def test_saturated_bce_warns_nothing_forward_or_backward():
    def run():
        x = nr.asarray(P, requires_grad=True)
        F.binary_cross_entropy(x, nr.asarray(T)).backward()
        nn.BCELoss(reduction="sum")(nr.asarray([0.0, 1.0]), nr.asarray([1.0, 0.0]))
    _no_warnings(run)
