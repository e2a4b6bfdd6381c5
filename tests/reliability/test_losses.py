"""Losses on bad or unusual targets, as PyTorch 2.13 treats them: probabilities outside [0, 1] are refused, integer
+-1 targets are accepted by the ranking and embedding losses (values and input gradients against torch)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from nn_parity import check, torch

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F

BCE_MSG = "binary_cross_entropy: all elements of input should be between 0 and 1"


@pytest.mark.parametrize("values,shown", [([0.5, 1.5, 0.2], "values in [0.2, 1.5]"),
                                          ([0.5, -0.25], "values in [-0.25, 0.5]"),
                                          ([0.5, math.nan], "NaN"),
                                          ([math.inf, 0.1], "values in [0.1, inf]")])
@pytest.mark.parametrize("form", ["functional", "module"])
def test_bce_refuses_probabilities_outside_0_1(values, shown, form):
    x = np.array(values, dtype=np.float32)
    t = np.ones_like(x)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.tensor(x), torch.tensor(t))
    loss = F.binary_cross_entropy if form == "functional" else nn.BCELoss()
    with pytest.raises(RuntimeError) as info:
        loss(nr.asarray(x), nr.asarray(t))
    assert str(info.value) == f"{BCE_MSG}, got {shown} (input float32 ({len(values)},))"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_at_the_bounds_matches_torch(reduction):
    x = np.array([0.0, 1.0, 0.3, 1.0, 0.0], dtype=np.float64)  # saturated: torch clamps the logs at -100
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    check(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), [x, t], grad_inputs=False)


def test_bce_on_an_empty_batch_matches_torch():
    x = np.zeros((0, 3))
    got = F.binary_cross_entropy(nr.asarray(x), nr.asarray(x), reduction="sum")
    assert float(got) == float(torch.nn.functional.binary_cross_entropy(torch.tensor(x), torch.tensor(x),
                                                                        reduction="sum")) == 0.0


def _pm_one(shape, dtype, seed):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1, 1).astype(dtype)


def _x(*shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


SIGN_LOSSES = [
    ("HingeEmbeddingLoss", {"margin": 0.7}, lambda dt: [_x(4, 3, seed=1), _pm_one((4, 3), dt, 2)]),
    ("SoftMarginLoss", {}, lambda dt: [_x(5, 2, seed=3), _pm_one((5, 2), dt, 4)]),
    ("CosineEmbeddingLoss", {"margin": 0.2}, lambda dt: [_x(6, 4, seed=5), _x(6, 4, seed=6), _pm_one((6,), dt, 7)]),
    ("MarginRankingLoss", {"margin": 0.1}, lambda dt: [_x(7, seed=8), _x(7, seed=9), _pm_one((7,), dt, 10)]),
]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kwargs,inputs", SIGN_LOSSES, ids=[c[0] for c in SIGN_LOSSES])
def test_integer_sign_targets_match_torch(name, kwargs, inputs, reduction, dtype):
    check(getattr(nn, name)(reduction=reduction, **kwargs), getattr(torch.nn, name)(reduction=reduction, **kwargs),
          inputs(dtype))


@pytest.mark.parametrize("name,kwargs,inputs", SIGN_LOSSES, ids=[c[0] for c in SIGN_LOSSES])
def test_integer_targets_keep_the_input_dtype(name, kwargs, inputs):
    arrays = [nr.asarray(a.astype(np.float32) if a.dtype.kind == "f" else a) for a in inputs(np.int64)]
    assert getattr(nn, name)(**kwargs)(*arrays).dtype == nr.float32


def test_cosine_embedding_target_of_the_wrong_shape_is_refused():
    with pytest.raises(RuntimeError):
        torch.nn.functional.cosine_embedding_loss(torch.ones(3, 2), torch.ones(3, 2), torch.ones(4))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: .* target of shape \(N,\) .* target \(4,\)"):
        F.cosine_embedding_loss(nr.ones((3, 2)), nr.ones((3, 2)), nr.ones((4,)))


@pytest.mark.parametrize("fn", [F.hinge_embedding_loss, F.soft_margin_loss])
def test_float_targets_of_another_dtype_still_named(fn):
    with pytest.raises(TypeError, match=f"{fn.__name__}: dtypes differ"):
        fn(nr.ones((3,), dtype=nr.float32), nr.ones((3,), dtype=nr.float64))
