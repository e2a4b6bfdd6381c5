"""Elementwise kernels of the ndarray-module backend base where NumPy-like modules miss the array API's special
cases (signed zeros, infinities, NaN); each falls through to the module's own function where it is already right."""
from __future__ import annotations

import numpy as np


class NdarraySpecialCaseKernels:
    """Mixin of ``NdarrayBackend``: ``floor_divide`` with infinite operands, complex ``expm1`` and ``tanh``, and
    the logarithms without warnings at their special values."""

    def k_floor_divide(self, x1, x2):
        xp = self.xp
        out = xp.floor_divide(x1, x2)
        if getattr(out, "dtype", None) is None or out.dtype.kind != "f":
            return out
        # C's fmod-based floor division gives NaN for inf // finite and -1 for -1 // inf;
        # the standard wants floor(x1 / x2) there (±inf and ±0)
        fix = xp.isinf(x1) ^ xp.isinf(x2)
        if xp.any(fix):
            out = xp.where(fix, xp.floor(xp.divide(x1, x2)), out)
        return out

    # log(0) = -inf and log(x < 0) = NaN are the standard's special cases, not errors: no NumPy warning for them,
    # as PyTorch gives none (``where(x > 0, log(x), 0)`` computes the masked log(0) on purpose)
    def k_log(self, x):
        return silently(self.xp, self.xp.log, x)

    def k_log1p(self, x):
        return silently(self.xp, self.xp.log1p, x)

    def k_log2(self, x):
        return silently(self.xp, self.xp.log2, x)

    def k_log10(self, x):
        return silently(self.xp, self.xp.log10, x)

    def k_expm1(self, x):
        xp = self.xp
        if x.dtype.kind != "c":
            return xp.expm1(x)
        a, b = x.real, x.imag
        with quiet(xp):
            # expm1(a)cos(b) - 2 sin²(b/2) keeps accuracy near 0; "+ 0.0" turns the -0 of expm1(-0 + 0j) into +0
            s = xp.sin(b / 2)
            re = xp.expm1(a) * xp.cos(b) - 2 * s * s + 0.0
            im = xp.where(b == 0, b, xp.exp(a) * xp.sin(b))
            neg_inf, pos_inf, finite_b = a == -xp.inf, a == xp.inf, xp.isfinite(b)
            re = xp.where(neg_inf, -1.0, xp.where(pos_inf & ~finite_b, xp.inf, re))
            im = xp.where(neg_inf, xp.where(finite_b, 0.0 * xp.sin(b), 0.0),
                          xp.where(pos_inf & ~finite_b, xp.nan, im))
        return _complex(xp, re, im, x.dtype)

    def k_tanh(self, x):
        xp = self.xp
        out = xp.tanh(x)
        if x.dtype.kind != "c":
            return out
        a, b = x.real, x.imag
        edge = xp.isinf(a) & xp.isfinite(b)
        if not xp.any(edge):
            return out
        # tanh(±inf + bj) = ±1 + 0j with the zero signed like b (C99 and the standard)
        re = xp.where(edge, xp.sign(a), out.real)
        im = xp.where(edge, xp.copysign(xp.zeros_like(b), b), out.imag)
        return _complex(xp, re, im, x.dtype)


def _complex(xp, re, im, dtype):
    out = xp.empty(re.shape, dtype=dtype)
    out.real = re
    out.imag = im
    return out


try:  # NumPy 2 keeps its error state in a context variable; setting it directly costs a tenth of np.errstate
    from numpy._core._ufunc_config import _extobj_contextvar as _NP_ERRSTATE
    from numpy._core._ufunc_config import _make_extobj
    _NP_IGNORE = _make_extobj(all="ignore")
except ImportError:  # another NumPy: the public errstate
    _NP_ERRSTATE = None


def silently(xp, fn, x):
    """``fn(x)`` without floating-point warnings (on the hot path of the logarithms: the cheap way when it can)."""
    if _NP_ERRSTATE is not None and xp is np:
        token = _NP_ERRSTATE.set(_NP_IGNORE)
        try:
            return fn(x)
        finally:
            _NP_ERRSTATE.reset(token)
    with quiet(xp):
        return fn(x)


def quiet(xp):
    """Silence floating-point warnings where the module has ``errstate`` (NumPy; CuPy does not warn)."""
    errstate = getattr(xp, "errstate", None)
    if errstate is None:
        import contextlib
        return contextlib.nullcontext()
    return errstate(all="ignore")
