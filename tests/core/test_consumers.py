"""nr arrays as a drop-in for array-API consumers: SciPy (``SCIPY_ARRAY_API=1``) and scikit-learn
(``array_api_dispatch=True``) give nr arrays back, with the results they give on NumPy arrays."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("_consumer_checks.py")
SCIPY_CASES = ["special.logsumexp", "special.softmax", "special.erf", "special.expit", "fft.fft", "fft.rfft",
               "fft.irfft", "fft.dct", "stats.skew", "stats.zscore", "stats.moment", "stats.ttest_1samp",
               "stats.pearsonr", "cluster.vq.whiten", "signal.convolve"]
SKLEARN_CASES = ["StandardScaler", "MinMaxScaler", "MaxAbsScaler", "Normalizer", "PCA(full)", "PCA(covariance_eigh)",
                 "LinearDiscriminantAnalysis", "Ridge(svd)", "r2_score", "mean_squared_error"]
RETURNS_FLOAT = {"r2_score", "mean_squared_error"}  # scikit-learn's metrics return Python floats by design
_RESULTS: dict = {}


def _results(which: str) -> dict:
    """Run the checks of one consumer once, in a subprocess with SCIPY_ARRAY_API=1 set before SciPy loads."""
    needed = ("scipy",) if which == "scipy" else ("scipy", "sklearn")
    for mod in needed + ("array_api_compat",):
        if importlib.util.find_spec(mod) is None:
            pytest.skip(f"{mod} is not installed")
    if which not in _RESULTS:
        env = dict(os.environ, SCIPY_ARRAY_API="1")
        proc = subprocess.run([sys.executable, str(SCRIPT), which], capture_output=True, text=True, env=env,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        _RESULTS[which] = json.loads(proc.stdout.strip().splitlines()[-1])
    return _RESULTS[which]


def _check(res: dict, want_type: str = "nr_core.Tensor") -> None:
    assert "error" not in res, res.get("error")
    assert res["type"] == want_type, f"the consumer returned {res['type']}, not {want_type}"
    assert res["shape_ok"]
    assert res["err"] < 1e-9, f"differs from the NumPy result by {res['err']}"


@pytest.mark.parametrize("case", SCIPY_CASES)
def test_scipy_on_nr_arrays(case):
    _check(_results("scipy")[case])


@pytest.mark.parametrize("case", SKLEARN_CASES)
def test_sklearn_on_nr_arrays(case):
    _check(_results("sklearn")[case], "builtins.float" if case in RETURNS_FLOAT else "nr_core.Tensor")
