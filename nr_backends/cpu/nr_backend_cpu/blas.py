"""GEMM straight from NumPy's own BLAS, for what ``np.matmul`` cannot ask of it: accumulating into the output
(``beta = 1``) and operands that are strided windows of one buffer.

A unit-stride convolution computes its output as a sum of one product per kernel offset, each reading the padded
input shifted by that offset (``ndarray_conv``): with ``beta = 1`` the products add up in place, where NumPy would
make a temporary and an extra pass per offset. The library is the one NumPy loaded (found by threadpoolctl), so
its threads are NumPy's; only builds whose CBLAS symbols have a known integer width are used (NumPy's wheels:
``scipy_cblas_sgemm64_``, 64-bit), anything else (MKL, Accelerate, a 32-bit OpenBLAS) leaves ``gemm`` to fall
back to NumPy.
"""
from __future__ import annotations

import ctypes
import os
import threading

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# CBLAS symbol prefixes with 64-bit integer arguments, in the order tried
_SYMBOLS = ("scipy_cblas_{}gemm64_", "cblas_{}gemm64_")

_lock = threading.Lock()
_funcs: dict | None = None


def _fresh_lock() -> None:
    global _lock  # a child forked while another thread was looking the library up would inherit it held
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock)


def _load() -> dict:
    funcs: dict = {}
    try:
        from threadpoolctl import threadpool_info
        paths = [i["filepath"] for i in threadpool_info() if i.get("internal_api") == "openblas"]
    except Exception:  # no threadpoolctl, or it could not inspect this process: NumPy's path stays
        return funcs
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for pattern in _SYMBOLS:
            found = {}
            for char, ctype in (("s", ctypes.c_float), ("d", ctypes.c_double)):
                fn = getattr(lib, pattern.format(char), None)
                if fn is None:
                    break
                i, n, p = ctypes.c_int, ctypes.c_int64, ctypes.c_void_p
                fn.argtypes = (i, i, i, n, n, n, ctype, p, n, p, n, ctype, p, n)
                fn.restype = None
                found[np.dtype(np.float32 if char == "s" else np.float64)] = fn
            if len(found) == 2:
                funcs.update(found, lib=lib)
                return funcs
    return funcs


def available() -> bool:
    global _funcs
    if _funcs is None:
        with _lock:
            if _funcs is None:
                _funcs = _load()
    return bool(_funcs)


def _operand(m):
    """(transposed?, leading dimension) of a 2-D view BLAS can read in place, or None."""
    item = m.itemsize
    s0, s1 = m.strides
    if s1 == item and s0 % item == 0 and s0 // item >= max(m.shape[1], 1):
        return False, s0 // item
    if s0 == item and s1 % item == 0 and s1 // item >= max(m.shape[0], 1):
        return True, s1 // item
    return None


def gemm(a, b, out, beta: float) -> bool:
    """``out = a @ b + beta * out`` for 2-D NumPy views of one float dtype (``out`` with unit column stride), in
    place through BLAS; False (nothing done) where that cannot be asked of it."""
    if not available():
        return False
    fn = _funcs.get(out.dtype)
    if (fn is None or not (a.dtype == b.dtype == out.dtype) or a.ndim != 2 or b.ndim != 2 or out.ndim != 2
            or type(a) is not np.ndarray or type(b) is not np.ndarray or type(out) is not np.ndarray
            or a.shape[1] != b.shape[0] or out.shape != (a.shape[0], b.shape[1]) or not out.flags.writeable):
        return False
    oa, ob, oc = _operand(a), _operand(b), _operand(out)
    if oa is None or ob is None or oc is None or oc[0]:
        return False
    (m, k), n = a.shape, b.shape[1]
    if m == 0 or n == 0:
        return True
    fn(_ROW_MAJOR, _TRANS if oa[0] else _NO_TRANS, _TRANS if ob[0] else _NO_TRANS, m, n, k, 1.0,
       a.ctypes.data, oa[1], b.ctypes.data, ob[1], beta, out.ctypes.data, oc[1])
    return True
