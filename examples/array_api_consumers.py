"""A backend-agnostic function written against the array API, used with SciPy and scikit-learn on nr arrays.

``robust_standardize`` never imports nr_core: it asks each input for its namespace, so the same code runs on
NumPy arrays, nr arrays on any device, or anything else that speaks the standard. SciPy (with
``SCIPY_ARRAY_API=1``) and scikit-learn (with ``array_api_dispatch=True``) then take the nr arrays as they are.

    python examples/array_api_consumers.py [--device cpu]
"""
import argparse
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # must be set before SciPy is imported

import numpy as np  # noqa: E402
from array_api_compat import array_namespace  # noqa: E402

import nr_core as nr  # noqa: E402
from _device import best_device  # noqa: E402


def robust_standardize(x, /):
    """Centre each column on its mean and scale it by its standard deviation, in whatever namespace x has."""
    xp = array_namespace(x)
    mean = xp.mean(x, axis=0, keepdims=True)
    std = xp.std(x, axis=0, keepdims=True)
    return (x - mean) / xp.where(std == 0, xp.ones_like(std), std)


def run(device: str) -> dict:
    import scipy.special
    import sklearn
    from sklearn.datasets import load_digits
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    x_np, y_np = load_digits(return_X_y=True)
    x_np = x_np.astype(np.float64)
    x = nr.asarray(x_np, device=device)
    z = robust_standardize(x)
    z_np = robust_standardize(x_np)
    out = {"standardize_max_abs_diff": float(np.max(np.abs(z.numpy() - z_np)))}
    lse = scipy.special.logsumexp(z, axis=1)  # SciPy computes with nr ops and returns an nr array
    out["scipy_returns"] = type(lse).__module__.split(".")[0]
    out["scipy_max_abs_diff"] = float(np.max(np.abs(lse.numpy() - scipy.special.logsumexp(z_np, axis=1))))
    with sklearn.config_context(array_api_dispatch=True):
        lda = LinearDiscriminantAnalysis(solver="svd").fit(z, nr.asarray(y_np, device=device))
        acc = float(nr.mean(nr.astype(lda.predict(z) == nr.asarray(y_np, device=device), nr.float64)))
    out["sklearn_lda_train_accuracy"] = acc
    out["sklearn_numpy_accuracy"] = float(LinearDiscriminantAnalysis(solver="svd").fit(z_np, y_np).score(z_np, y_np))
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu", help="the device of the nr arrays (SciPy and scikit-learn follow it)")
    args = ap.parse_args()
    for key, value in run(best_device(args.device)).items():
        print(f"{key:28s} {value}")
