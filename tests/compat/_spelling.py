"""Run one piece of PyTorch-style code under ``torch`` and under ``neurarust`` and compare what comes out."""
from __future__ import annotations

import numpy as np


def plain(v):
    """Results as comparable Python/NumPy values: arrays with their dtype names, dtypes and devices as strings."""
    if hasattr(v, "detach") and hasattr(v, "numpy"):
        return ("array", np.asarray(v.detach().numpy()), dtype_name(v.dtype))
    if isinstance(v, (tuple, list)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if type(v).__name__ in ("dtype", "DType"):
        return ("dtype", dtype_name(v))
    if type(v).__name__ in ("device", "Device"):
        return ("device", str(v))
    return v


def dtype_name(d) -> str:
    return str(d).split(".")[-1]


def assert_same(got, want, path: str = "result", rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """``got`` (neurarust's) matches ``want`` (PyTorch's): values, dtypes, shapes, structure."""
    if isinstance(want, tuple) and want and want[0] == "array":
        assert isinstance(got, tuple) and got[0] == "array", f"{path}: expected an array, got {got!r}"
        assert got[2] == want[2], f"{path}: dtype {got[2]} != PyTorch's {want[2]}"
        assert got[1].shape == want[1].shape, f"{path}: shape {got[1].shape} != PyTorch's {want[1].shape}"
        np.testing.assert_allclose(got[1], want[1], rtol=rtol, atol=atol, err_msg=path, equal_nan=True)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r} != PyTorch's {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]", rtol, atol)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{path}[{k!r}]", rtol, atol)
    elif isinstance(want, float):
        assert isinstance(got, (int, float)) and np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True), \
            f"{path}: {got!r} != PyTorch's {want!r}"
    else:
        assert got == want, f"{path}: {got!r} != PyTorch's {want!r}"
