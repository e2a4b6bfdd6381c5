"""AUROC and AveragePrecision against scikit-learn's roc_auc_score and average_precision_score: exact mode equal on
random scores, ties, all-equal scores and a class absent; binned mode (200 thresholds) within 1e-3 of exact with
state whose size does not grow with the number of samples."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

import nr_core as nr
from nr_train.metrics import AUROC, AveragePrecision

C = 4


def fed(metric, y, scores, batch=97):
    for lo in range(0, len(y), batch):
        metric.update(nr.asarray(scores[lo:lo + batch]), nr.asarray(y[lo:lo + batch]))
    return metric


def probabilities(rng, n, c):
    logits = rng.standard_normal((n, c))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return p.astype(np.float32)


def binary_cases():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = np.clip(rng.random(500) * 0.6 + y * 0.3, 0, 1).astype(np.float32)
    yield "random", y, s
    yield "ties", y, (np.round(s * 4) / 4).astype(np.float32)
    yield "all equal scores", y, np.full(500, 0.5, dtype=np.float32)
    yield "perfect", y, y.astype(np.float32)


BINARY = list(binary_cases())


@pytest.mark.parametrize("name,y,s", BINARY, ids=[c[0] for c in BINARY])
def test_binary_exact_equals_sklearn(name, y, s):
    assert float(fed(AUROC(thresholds=None), y, s).compute()) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert float(fed(AveragePrecision(thresholds=None), y, s).compute()) == pytest.approx(
        skm.average_precision_score(y, s), abs=1e-12)


@pytest.mark.parametrize("average", ["macro", "weighted", None])
def test_multiclass_exact_equals_sklearn(average):
    rng = np.random.default_rng(1)
    y = rng.integers(0, C, 400)
    p = probabilities(rng, 400, C)
    want = skm.roc_auc_score(y, p, multi_class="ovr", average=average, labels=range(C))
    np.testing.assert_allclose(fed(AUROC(C, thresholds=None, average=average), y, p).compute().numpy(), want,
                               atol=1e-12)
    onehot = label_binarize(y, classes=range(C))
    want = skm.average_precision_score(onehot, p, average=average)
    np.testing.assert_allclose(fed(AveragePrecision(C, thresholds=None, average=average), y, p).compute().numpy(),
                               want, atol=1e-12)


def test_binned_within_1e3_of_exact():
    rng = np.random.default_rng(2)
    y = rng.integers(0, C, 3000)
    p = probabilities(rng, 3000, C)
    exact = fed(AUROC(C, thresholds=None), y, p).compute().numpy()
    binned = fed(AUROC(C, thresholds=200), y, p).compute().numpy()
    assert abs(binned - exact) < 1e-3
    assert abs(exact - skm.roc_auc_score(y, p, multi_class="ovr", labels=range(C))) < 1e-12
    yb, sb = BINARY[0][1], BINARY[0][2]
    assert abs(float(fed(AUROC(), yb, sb).compute()) - skm.roc_auc_score(yb, sb)) < 1e-3
    assert abs(float(fed(AveragePrecision(), yb, sb).compute()) - skm.average_precision_score(yb, sb)) < 5e-3


def state_size(metric) -> int:
    return sum(int(np.prod(a.shape)) for a in metric.state_dict().values())


def test_binned_state_does_not_grow_with_samples():
    rng = np.random.default_rng(3)
    sizes = {}
    for n in (100, 10_000):
        y = rng.integers(0, C, n)
        p = probabilities(rng, n, C)
        sizes[n] = (state_size(fed(AUROC(C, thresholds=200), y, p, batch=256)),
                    state_size(fed(AUROC(C, thresholds=None), y, p, batch=256)))
    assert sizes[100][0] == sizes[10_000][0] == 2 * C * 200 + C + 1  # tp and fp per threshold, positives, count
    assert sizes[10_000][1] == 100 * sizes[100][1]  # exact mode keeps every score


def test_explicit_thresholds():
    y, s = BINARY[0][1], BINARY[0][2]
    coarse = fed(AUROC(thresholds=[0.25, 0.5, 0.75]), y, s).compute()
    # three thresholds: the trapezoids through (1, 1), the three ROC points, and (0, 0)
    points = [(1.0, 1.0)] + [(np.mean(s[y == 0] >= t), np.mean(s[y == 1] >= t)) for t in (0.25, 0.5, 0.75)]
    points.append((0.0, 0.0))
    area = sum((f0 - f1) * (t0 + t1) / 2 for (f0, t0), (f1, t1) in zip(points[:-1], points[1:]))
    assert float(coarse) == pytest.approx(area, abs=1e-12)


def test_a_class_absent():
    rng = np.random.default_rng(4)
    y = rng.integers(0, C - 1, 200)  # class 3 never occurs
    p = probabilities(rng, 200, C)
    def sklearn(fn, *args, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kw)

    for average in ("macro", "weighted", None):
        want = sklearn(skm.roc_auc_score, y, p, multi_class="ovr", average=average, labels=range(C))
        for thresholds in (None, 200):
            with pytest.warns(UserWarning, match=r"class \[3\] has only positive or only negative"):
                got = fed(AUROC(C, thresholds=thresholds, average=average), y, p).compute().numpy()
            np.testing.assert_allclose(got, want, atol=1e-12 if thresholds is None else 1e-2)
        assert np.isnan(want).any() == (average != "weighted")
    ones, line = np.ones(10, dtype=np.int64), np.linspace(0, 1, 10).astype(np.float32)
    with pytest.warns(UserWarning, match="AUROC.compute: class 1"):
        assert np.isnan(float(fed(AUROC(), ones, line).compute()))
    assert np.isnan(sklearn(skm.roc_auc_score, ones, line))
    onehot = label_binarize(y, classes=range(C))
    want = sklearn(skm.average_precision_score, onehot, p, average=None)
    with pytest.warns(UserWarning, match="no positive sample"):
        got = fed(AveragePrecision(C, thresholds=None, average=None), y, p).compute().numpy()
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_merge_and_state_dict():
    y, s = BINARY[1][1], BINARY[1][2]
    for thresholds in (None, 200):
        whole = fed(AUROC(thresholds=thresholds), y, s)
        a, b = fed(AUROC(thresholds=thresholds), y[:123], s[:123]), fed(AUROC(thresholds=thresholds), y[123:], s[123:])
        empty = AUROC(thresholds=thresholds)
        empty.merge(a)
        empty.merge(b)
        assert float(empty.compute()) == pytest.approx(float(whole.compute()), abs=1e-12)
        assert len(a.state_dict()) and float(a.compute()) == pytest.approx(skm.roc_auc_score(y[:123], s[:123]),
                                                                         abs=1e-3 if thresholds else 1e-12)
        restored = AUROC(thresholds=thresholds)
        restored.load_state_dict(whole.state_dict())
        assert float(restored.compute()) == float(whole.compute())


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        AUROC().update(nr.asarray([-0.5, 2.0]), nr.asarray([0, 1]))
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        AUROC(3).update(nr.zeros((4, 2)), nr.zeros(4, dtype=nr.int64))
    with pytest.raises(ValueError, match="binary input"):
        AveragePrecision().update(nr.zeros((4, 2)), nr.zeros(4, dtype=nr.int64))
    with pytest.raises(TypeError, match="floating scores"):
        AUROC().update(nr.asarray([0, 1]), nr.asarray([0, 1]))
    with pytest.raises(ValueError, match="increasing values"):
        AUROC(thresholds=[0.5, 0.2])
    with pytest.raises(ValueError, match="thresholds must be >= 2"):
        AUROC(thresholds=1)
