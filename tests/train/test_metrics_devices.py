"""The metrics on other backends: the third-party example backend (float32 only, so the statistics accumulate in
float32) and the fake second CPU device; values against scikit-learn, results on the inputs' device."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

import nr_core as nr
from nr_train.metrics import (AUROC, Accuracy, AveragePrecision, ConfusionMatrix, F1Score, MeanAbsoluteError,
                              MeanSquaredError, R2Score)

DEVICES = [d for d in ("example:0", "cpu:1") if d.split(":")[0] in {x.kind for x in
                                                                     nr.__array_namespace_info__().devices()}]

rng = np.random.default_rng(0)
Y = rng.integers(0, 4, 300)
P = rng.random((300, 4)).astype(np.float32)
P /= P.sum(1, keepdims=True)
T = rng.normal(size=(300, 2)).astype(np.float32)
PRED = (T + rng.normal(size=(300, 2))).astype(np.float32)
LABELS = P.argmax(1)
ONEHOT = label_binarize(Y, classes=range(4))
WIDE = (T.astype(np.float64), PRED.astype(np.float64))

CASES = [
    (lambda: Accuracy(4), P, Y, skm.accuracy_score(Y, LABELS)),
    (lambda: Accuracy(4, top_k=2), P, Y, skm.top_k_accuracy_score(Y, P, k=2)),
    (lambda: F1Score(4, average="weighted"), P, Y, skm.f1_score(Y, LABELS, average="weighted")),
    (lambda: ConfusionMatrix(4), P, Y, skm.confusion_matrix(Y, LABELS)),
    (lambda: AUROC(4, thresholds=None), P, Y, skm.roc_auc_score(Y, P, multi_class="ovr")),
    (lambda: AveragePrecision(4, thresholds=None), P, Y, skm.average_precision_score(ONEHOT, P)),
    (lambda: MeanSquaredError(), PRED, T, skm.mean_squared_error(*WIDE)),
    (lambda: MeanAbsoluteError(), PRED, T, skm.mean_absolute_error(*WIDE)),
    (lambda: R2Score(), PRED, T, skm.r2_score(*WIDE)),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_metric_on_device(device, case):
    make, preds, target, want = CASES[case]
    metric = make()
    for part in (slice(0, 120), slice(120, 300)):
        metric.update(nr.asarray(preds[part], device=device), nr.asarray(target[part], device=device))
    got = metric.compute()
    assert str(got.device) == device
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=1e-6)  # float32 sums on float32-only devices


@pytest.mark.parametrize("device", DEVICES)
def test_binned_auroc_on_device(device):
    binned = AUROC(4)
    binned.update(nr.asarray(P, device=device), nr.asarray(Y, device=device))
    assert abs(float(binned.compute()) - skm.roc_auc_score(Y, P, multi_class="ovr")) < 1e-3
