"""Accuracy, Precision, Recall, F1Score and ConfusionMatrix against scikit-learn, on random batches and on the edge
cases (a class absent, every prediction one class, ties in the scores), fed in several batches and merged."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

import nr_core as nr
from nr_train.metrics import Accuracy, ConfusionMatrix, F1Score, Precision, Recall

C = 5


def cases():
    rng = np.random.default_rng(0)
    y = rng.integers(0, C, 300)
    scores = rng.random((300, C)).astype(np.float32)
    yield "random", y, scores
    absent = np.where(y == 3, 0, y)  # class 3 never true, sometimes predicted
    yield "class absent from target", absent, scores
    one = np.zeros_like(scores)
    one[:, 2] = 1.0
    yield "every prediction one class", y, one
    tied = np.round(scores * 2) / 2  # many tied maxima: argmax takes the first
    yield "tied scores", y, tied.astype(np.float32)


CASES = list(cases())
IDS = [c[0] for c in CASES]


def fed(metric, y, scores, splits=(0, 7, 150, 300)):
    """The metric after updates over uneven batches (one of them tiny)."""
    for lo, hi in zip(splits[:-1], splits[1:]):
        metric.update(nr.asarray(scores[lo:hi]), nr.asarray(y[lo:hi]))
    return metric


@pytest.mark.parametrize("name,y,scores", CASES, ids=IDS)
def test_accuracy_and_confusion_matrix(name, y, scores):
    pred = scores.argmax(1)
    assert float(fed(Accuracy(num_classes=C), y, scores).compute()) == pytest.approx(skm.accuracy_score(y, pred),
                                                                                         abs=1e-12)
    cm = fed(ConfusionMatrix(C), y, scores).compute()
    assert cm.dtype == nr.int64
    np.testing.assert_array_equal(cm.numpy(), skm.confusion_matrix(y, pred, labels=range(C)))
    for norm in ("true", "pred", "all"):
        expected = np.nan_to_num(skm.confusion_matrix(y, pred, labels=range(C), normalize=norm))
        np.testing.assert_allclose(fed(ConfusionMatrix(C, normalize=norm), y, scores).compute().numpy(), expected,
                                   atol=1e-12)


@pytest.mark.parametrize("average", ["micro", "macro", "weighted", None])
@pytest.mark.parametrize("name,y,scores", CASES, ids=IDS)
def test_precision_recall_f1(name, y, scores, average):
    pred = scores.argmax(1)
    expected = skm.precision_recall_fscore_support(y, pred, labels=range(C), average=average, zero_division=0)
    for cls, want in zip((Precision, Recall, F1Score), expected[:3]):
        got = fed(cls(C, average=average), y, scores).compute().numpy()
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=f"{cls.__name__} {average}")


@pytest.mark.parametrize("k", [1, 2, 4])
def test_top_k_accuracy(k):
    rng = np.random.default_rng(1)
    y = rng.integers(0, C, 200)
    scores = rng.standard_normal((200, C)).astype(np.float32)  # no ties: scikit-learn orders ties differently
    got = float(fed(Accuracy(num_classes=C, top_k=k), y, scores, (0, 64, 200)).compute())
    assert got == pytest.approx(skm.top_k_accuracy_score(y, scores, k=k, labels=range(C)), abs=1e-12)


def test_label_and_probability_inputs():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 100)
    p = rng.random(100).astype(np.float32)
    acc = Accuracy(num_classes=2)
    acc.update(nr.asarray(p), nr.asarray(y))  # (N,) floats: probabilities of class 1
    assert float(acc.compute()) == pytest.approx(skm.accuracy_score(y, p >= 0.5))
    f1 = F1Score(2, average=None)
    f1.update(nr.asarray((p >= 0.3).astype(np.int64)), nr.asarray(y))  # (N,) ints: labels
    np.testing.assert_allclose(f1.compute().numpy(), skm.f1_score(y, p >= 0.3, average=None), atol=1e-12)
    acc = Accuracy()  # num_classes read from (N, C) scores
    acc.update(nr.asarray(np.eye(3, dtype=np.float32)), nr.asarray([0, 1, 1]))
    assert float(acc.compute()) == pytest.approx(2 / 3)


def test_merge_and_state_dict_equal_one_instance():
    y, scores = CASES[0][1], CASES[0][2]
    whole = fed(F1Score(C, average="macro"), y, scores)
    a = fed(F1Score(C, average="macro"), y[:100], scores[:100], (0, 100))
    b = fed(F1Score(C, average="macro"), y[100:], scores[100:], (0, 200))
    a.merge(b)
    assert float(a.compute()) == float(whole.compute())
    restored = F1Score(C, average="macro")
    restored.load_state_dict(whole.state_dict())
    assert float(restored.compute()) == float(whole.compute())
    fresh = whole.clone()
    assert fresh.empty and not whole.empty
    whole.reset()
    with pytest.raises(RuntimeError, match="no update yet"):
        whole.compute()
    with pytest.raises(ValueError, match="same options"):
        a.merge(F1Score(C, average="micro"))


def test_bad_inputs_are_named():
    acc = Accuracy(num_classes=3)
    with pytest.raises(ValueError, match=r"Accuracy.update: target must have shape \(4,\)"):
        acc.update(nr.zeros((4, 3)), nr.zeros(5, dtype=nr.int64))
    with pytest.raises(ValueError, match=r"target holds labels in \[0, 7\], outside \[0, 3\)"):
        acc.update(nr.zeros((2, 3)), nr.asarray([0, 7]))
    with pytest.raises(TypeError, match="integer class labels"):
        acc.update(nr.zeros((2, 3)), nr.asarray([0.0, 1.0]))
    with pytest.raises(ValueError, match="3 columns, expected num_classes=4"):
        Precision(4).update(nr.zeros((2, 3)), nr.asarray([0, 1]))
    with pytest.raises(ValueError, match="num_classes=2"):
        Recall(3).update(nr.asarray([0.2, 0.9]), nr.asarray([0, 1]))
    with pytest.raises(ValueError, match="num_classes must be an int >= 2"):
        F1Score(1)
    with pytest.raises(ValueError, match="average must be one of"):
        F1Score(3, average="samples")
    with pytest.raises(ValueError, match="top_k=4 exceeds num_classes=3"):
        Accuracy(num_classes=3, top_k=4)
