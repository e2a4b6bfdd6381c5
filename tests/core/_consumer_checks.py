"""Run SciPy / scikit-learn array-API code paths on NumPy and on nr arrays; print one JSON line of results.

Run as a script (``python _consumer_checks.py scipy|sklearn``): ``SCIPY_ARRAY_API=1`` has to be in the
environment before SciPy is first imported, which a subprocess guarantees.
"""
from __future__ import annotations

import json
import sys
import traceback

import numpy as np

import nr_core as nr

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 5))
Y_CLASS = (X[:, 0] + 0.3 * RNG.normal(size=40) > 0).astype(np.int64)
Y_REG = X @ RNG.normal(size=5) + 0.1 * RNG.normal(size=40)


def scipy_cases() -> dict:
    import scipy.cluster.vq as vq
    import scipy.fft as sfft
    import scipy.signal as sig
    import scipy.special as sps
    import scipy.stats as st
    return {
        "special.logsumexp": lambda a: sps.logsumexp(a, axis=1),
        "special.softmax": lambda a: sps.softmax(a, axis=0),
        "special.erf": lambda a: sps.erf(a),
        "special.expit": lambda a: sps.expit(a),
        "fft.fft": lambda a: sfft.fft(a, axis=0),
        "fft.rfft": lambda a: sfft.rfft(a),
        "fft.irfft": lambda a: sfft.irfft(sfft.rfft(a), n=a.shape[-1]),
        "fft.dct": lambda a: sfft.dct(a),
        "stats.skew": lambda a: st.skew(a, axis=0),
        "stats.zscore": lambda a: st.zscore(a, axis=0),
        "stats.moment": lambda a: st.moment(a, order=3, axis=0),
        "stats.ttest_1samp": lambda a: st.ttest_1samp(a, 0.0, axis=0).statistic,
        "stats.pearsonr": lambda a: st.pearsonr(a[:, 0], a[:, 1]).statistic,
        "cluster.vq.whiten": lambda a: vq.whiten(a),
        "signal.convolve": lambda a: sig.convolve(a, a[:2]),
    }


def sklearn_cases() -> dict:
    import sklearn
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_squared_error, r2_score
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, Normalizer, StandardScaler
    sklearn.set_config(array_api_dispatch=True)

    def fit_predict(est, y):
        return lambda a, wrap: est.fit(a, wrap(y)).predict(a)

    def transform(est):
        return lambda a, wrap: est.fit_transform(a)

    return {
        "StandardScaler": transform(StandardScaler()),
        "MinMaxScaler": transform(MinMaxScaler()),
        "MaxAbsScaler": transform(MaxAbsScaler()),
        "Normalizer": transform(Normalizer()),
        "PCA(full)": transform(PCA(n_components=3, svd_solver="full")),
        "PCA(covariance_eigh)": transform(PCA(n_components=3, svd_solver="covariance_eigh")),
        "LinearDiscriminantAnalysis": fit_predict(LinearDiscriminantAnalysis(), Y_CLASS),
        "Ridge(svd)": fit_predict(Ridge(alpha=0.5, solver="svd"), Y_REG),
        "r2_score": lambda a, wrap: r2_score(wrap(Y_REG), a[:, 0]),
        "mean_squared_error": lambda a, wrap: mean_squared_error(wrap(Y_REG), a[:, 1]),
    }


def run(which: str) -> dict:
    wrap_np, wrap_nr = np.asarray, (lambda a: nr.asarray(a))
    if which == "scipy":
        cases = {k: (lambda f: lambda a, wrap: f(a))(f) for k, f in scipy_cases().items()}
    else:
        cases = sklearn_cases()
    out = {}
    for name, fn in cases.items():
        try:
            want = np.asarray(fn(X, wrap_np))
            got = fn(nr.asarray(X, dtype=nr.float64), wrap_nr)
            out[name] = {"type": type(got).__module__.split(".")[0] + "." + type(got).__name__,
                         "err": float(np.max(np.abs(np.asarray(got, dtype=float) - want.astype(float)), initial=0)),
                         "shape_ok": tuple(np.shape(got)) == want.shape}
        except Exception:  # report, so the test names the case and shows the traceback
            out[name] = {"error": traceback.format_exc(limit=4)}
    return out


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
