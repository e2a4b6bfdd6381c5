"""Loss parity with PyTorch: every loss, every reduction, their options; values and input gradients."""
import numpy as np
import pytest

from nn_parity import check, randn, torch

import nr_core as nr
import nr_nn as nn

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def loss_pair(name, *args, **kwargs):
    """(nr loss, torch loss); array arguments (class weights, pos_weight) are given as NumPy arrays."""
    t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    n_kw = {k: nr.asarray(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(nn, name)(*args, **n_kw), getattr(torch.nn, name)(*args, **t_kw)


def run(name, inputs, grad_inputs=True, **kwargs):
    nr_loss, t_loss = loss_pair(name, **kwargs)
    check(nr_loss, t_loss, inputs, grad_inputs=grad_inputs)


def probs(*shape, seed=0):
    return 1 / (1 + np.exp(-randn(*shape, seed=seed)))


def classes(n, c, *extra, seed=0):
    return np.random.default_rng(seed).integers(0, c, (n,) + extra)


def pm_one(*shape, seed=0):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}),
                                         ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {}),
                                         ("HuberLoss", {"delta": 0.3})])
def test_regression(name, kwargs, reduction):
    run(name, [randn(4, 5, seed=1), randn(4, 5, seed=2)], reduction=reduction, **kwargs)


CE_CASES = [
    ({}, (6, 5), "index"),
    ({"weight": rng.uniform(0.5, 2, 5)}, (6, 5), "index"),
    ({"ignore_index": 2}, (6, 5), "index"),
    ({"label_smoothing": 0.1}, (6, 5), "index"),
    ({"label_smoothing": 0.2, "weight": rng.uniform(0.5, 2, 5), "ignore_index": 1}, (6, 5), "index"),
    ({}, (3, 4, 2, 3), "index"),
    ({"label_smoothing": 0.1}, (3, 4, 2, 3), "index"),
    ({}, (6, 5), "prob"),
    ({"label_smoothing": 0.15, "weight": rng.uniform(0.5, 2, 5)}, (6, 5), "prob"),
    ({}, (5,), "index"),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs,shape,kind", CE_CASES, ids=[f"ce{i}" for i in range(len(CE_CASES))])
def test_cross_entropy(kwargs, shape, kind, reduction):
    x = randn(*shape, seed=3)
    if kind == "prob":
        p = np.random.default_rng(4).random(shape)
        target = p / p.sum(axis=1, keepdims=True)
    elif len(shape) == 1:
        target = np.array(2)
    else:
        target = classes(shape[0], shape[1], *shape[2:], seed=5)
        if "ignore_index" in kwargs:
            target[0] = kwargs["ignore_index"]
    run("CrossEntropyLoss", [x, target], reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"weight": rng.uniform(0.5, 2, 4)}, {"ignore_index": 0}])
def test_nll(kwargs, reduction):
    logp = np.log(probs(5, 4, seed=6))
    target = np.array([0, 1, 3, 0, 2])
    run("NLLLoss", [logp, target], reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(weighted, reduction):
    kw = {"weight": rng.uniform(0.5, 2, (3, 4))} if weighted else {}
    run("BCELoss", [probs(3, 4, seed=7), probs(3, 4, seed=8)], reduction=reduction, **kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"pos_weight": rng.uniform(0.5, 3, 4)},
                                    {"weight": rng.uniform(0.5, 2, 4), "pos_weight": rng.uniform(0.5, 3, 4)}])
def test_bce_with_logits(kwargs, reduction):
    run("BCEWithLogitsLoss", [randn(3, 4, seed=9) * 4, probs(3, 4, seed=10)], reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(log_target, reduction):
    inp = np.log(probs(4, 5, seed=11))
    target = np.log(probs(4, 5, seed=12)) if log_target else probs(4, 5, seed=12)
    if not log_target:
        target[0, 0] = 0.0  # a zero target contributes 0, not nan (its own gradient is nan in torch: not compared)
    run("KLDivLoss", [inp, target], grad_inputs=True if log_target else (0,), reduction=reduction,
        log_target=log_target)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"log_input": False}, {"full": True}, {"log_input": False, "full": True}])
def test_poisson_nll(kwargs, reduction):
    inp = randn(4, 5, seed=13) if kwargs.get("log_input", True) else probs(4, 5, seed=13) * 3
    target = np.random.default_rng(14).poisson(2.0, (4, 5)).astype(np.float64)
    run("PoissonNLLLoss", [inp, target], reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_cosine_embedding(margin, reduction):
    run("CosineEmbeddingLoss", [randn(6, 4, seed=15), randn(6, 4, seed=16), pm_one(6, seed=17)],
        margin=margin, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking(margin, reduction):
    run("MarginRankingLoss", [randn(7, seed=18), randn(7, seed=19), pm_one(7, seed=20)], margin=margin,
        reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"margin": 2.0, "p": 1.0}, {"swap": True}, {"p": 3.0, "eps": 1e-3}])
def test_triplet_margin(kwargs, reduction):
    run("TripletMarginLoss", [randn(5, 4, seed=21), randn(5, 4, seed=22), randn(5, 4, seed=23)],
        reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding(margin, reduction):
    run("HingeEmbeddingLoss", [randn(4, 5, seed=24), pm_one(4, 5, seed=25)], margin=margin, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin(reduction):
    run("SoftMarginLoss", [randn(4, 5, seed=26), pm_one(4, 5, seed=27)], grad_inputs=(0,), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_margin(batched, reduction):
    target = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0]])
    x = randn(3, 4, seed=28)
    if not batched:
        x, target = x[0], target[0]
    run("MultiLabelMarginLoss", [x, target], reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"p": 2, "margin": 0.5}, {"weight": rng.uniform(0.5, 2, 5)}])
def test_multi_margin(kwargs, reduction):
    run("MultiMarginLoss", [randn(4, 5, seed=29), np.array([0, 4, 2, 2])], reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated", "short_inputs"])
def test_ctc(layout, reduction):
    # torch's CTC backward returns exp(log_probs) - gamma, the gradient w.r.t. the logits of a log_softmax, not
    # the partial w.r.t. log_probs: compare through log_softmax, where both are the true gradient
    T, N, C = 12, 3, 5
    logits = randn(T, N, C, seed=30)
    target_lengths = np.array([4, 2, 3])
    padded = np.array([[1, 2, 2, 3], [4, 1, 0, 0], [3, 3, 1, 0]])
    input_lengths = np.array([12, 9, 12]) if layout == "short_inputs" else np.array([12, 12, 12])
    targets = padded if layout != "concatenated" else np.concatenate([padded[i, :n] for i, n in
                                                                      enumerate(target_lengths)])
    nr_loss, t_loss = loss_pair("CTCLoss", reduction=reduction)
    lib = {nr_loss: nr.asarray, t_loss: torch.tensor}
    log_softmax = {nr_loss: nn.functional.log_softmax, t_loss: torch.nn.functional.log_softmax}
    check(nr_loss, t_loss, [logits],
          call=lambda m, z: m(log_softmax[m](z, 2), lib[m](targets), lib[m](input_lengths), lib[m](target_lengths)))


def test_ctc_impossible_alignment_is_inf_or_zero():
    log_probs = nr.asarray(np.log(np.full((2, 1, 3), 1 / 3)))
    args = (nr.asarray(np.array([[1, 1, 1]])), nr.asarray(np.array([2])), nr.asarray(np.array([3])))
    assert nn.CTCLoss(reduction="sum")(log_probs, *args).item() == float("inf")
    assert nn.CTCLoss(reduction="sum", zero_infinity=True)(log_probs, *args).item() == 0.0


def test_loss_errors_name_the_function():
    with pytest.raises(ValueError, match="mse_loss.*shape"):
        nn.MSELoss()(nr.zeros((2, 3)), nr.zeros((3, 2)))
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")
    with pytest.raises(IndexError, match="cross_entropy|nll_loss"):
        nn.CrossEntropyLoss()(nr.zeros((2, 3)), nr.asarray(np.array([0, 3])))
    with pytest.raises(TypeError, match="cross_entropy.*floating"):
        nn.CrossEntropyLoss()(nr.asarray(np.array([[1, 2]])), nr.asarray(np.array([0])))
