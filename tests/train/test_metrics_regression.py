"""MeanSquaredError, MeanAbsoluteError and R2Score against scikit-learn, one and several outputs, fed in batches,
merged, and on a constant target."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

import nr_core as nr
from nr_train.metrics import MeanAbsoluteError, MeanSquaredError, R2Score


def fed(metric, pred, target, splits=(0, 1, 40, 250)):
    for lo, hi in zip(splits[:-1], splits[1:]):
        metric.update(nr.asarray(pred[lo:hi]), nr.asarray(target[lo:hi]))
    return metric


def data(shape, seed=0):
    rng = np.random.default_rng(seed)
    target = rng.normal(3.0, 2.0, shape)
    return (target + rng.normal(0, 0.7, shape)).astype(np.float32), target.astype(np.float32)


def wide(*arrays):
    """float64 copies: scikit-learn computes float32 input in float32, the metrics accumulate in float64."""
    return [a.astype(np.float64) for a in arrays]


@pytest.mark.parametrize("shape", [(250,), (250, 3)])
def test_errors_and_r2_equal_sklearn(shape):
    pred, target = data(shape)
    assert float(fed(MeanSquaredError(), pred, target).compute()) == pytest.approx(
        skm.mean_squared_error(*wide(target, pred)), rel=1e-12)
    assert float(fed(MeanAbsoluteError(), pred, target).compute()) == pytest.approx(
        skm.mean_absolute_error(*wide(target, pred)), rel=1e-12)
    for multi in ("uniform_average", "variance_weighted", "raw_values"):
        got = fed(R2Score(multioutput=multi), pred, target).compute().numpy()
        np.testing.assert_allclose(got, skm.r2_score(*wide(target, pred), multioutput=multi), rtol=1e-10)


def test_r2_merge_is_exact_and_stable():
    pred, target = data((250, 2), seed=1)
    target = target + 1e4  # a large mean: naive sums of squares would lose the variance in float32
    pred = pred + 1e4
    a, b = fed(R2Score(), pred[:90], target[:90], (0, 90)), fed(R2Score(), pred[90:], target[90:], (0, 5, 160))
    a.merge(b)
    assert float(a.compute()) == pytest.approx(skm.r2_score(*wide(target, pred)), rel=1e-9)


def test_constant_target_follows_sklearn():
    target = np.full(20, 2.0, dtype=np.float32)
    assert float(fed(R2Score(), target, target, (0, 20)).compute()) == skm.r2_score(target, target) == 1.0
    off = target + 1
    assert float(fed(R2Score(), off, target, (0, 20)).compute()) == skm.r2_score(target, off) == 0.0
    one = R2Score()
    one.update(nr.asarray([1.0]), nr.asarray([2.0]))
    assert np.isnan(float(one.compute()))  # undefined for one sample (scikit-learn: nan and a warning)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"MeanSquaredError.update: preds and target must have the same"):
        MeanSquaredError().update(nr.zeros(3), nr.zeros(4))
    with pytest.raises(ValueError, match="multioutput"):
        R2Score(multioutput="mean")
