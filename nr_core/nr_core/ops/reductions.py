"""Reductions and scans: the table, decompositions (var, std, logsumexp, count_nonzero, cumulative_prod, diff)
and kit samples. Frontends: ``nr_core/api/statistical.py`` and ``api/searching.py``."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from ..optable import OpDef
from ..samples import Sample, accepted, smooth, specials, values
from ._family import Family

FAMILY = Family()
_add = FAMILY.add

SUM = _add(OpDef("sum", "reduction", 1, "numeric or boolean", "custom"))
PROD = _add(OpDef("prod", "reduction", 1, "numeric or boolean", "custom"))
MAX = _add(OpDef("max", "reduction", 1, "real numeric"))
MIN = _add(OpDef("min", "reduction", 1, "real numeric"))
MEAN = _add(OpDef("mean", "reduction", 1, "floating-point"))
VAR = _add(OpDef("var", "reduction", 1, "real floating-point", primitive=False))
STD = _add(OpDef("std", "reduction", 1, "real floating-point", primitive=False))
ALL = _add(OpDef("all", "reduction", 1, "any", "bool", differentiable=False))
ANY = _add(OpDef("any", "reduction", 1, "any", "bool", differentiable=False))
ARGMAX = _add(OpDef("argmax", "reduction", 1, "real numeric", "index", differentiable=False))
ARGMIN = _add(OpDef("argmin", "reduction", 1, "real numeric", "index", differentiable=False))
COUNT_NONZERO = _add(OpDef("count_nonzero", "reduction", 1, "any", "index", differentiable=False,
                           primitive=False))
LOGSUMEXP = _add(OpDef("logsumexp", "reduction", 1, "real floating-point", primitive=False))
CUMULATIVE_SUM = _add(OpDef("cumulative_sum", "scan", 1, "numeric", "custom"))
CUMULATIVE_PROD = _add(OpDef("cumulative_prod", "scan", 1, "numeric", "custom", primitive=False))
DIFF = _add(OpDef("diff", "scan", 1, "numeric", primitive=False))

# autocast: sums and products of many 16-bit values lose their low digits, so they run in float32
FAMILY.amp("fp32", "sum", "prod", "logsumexp", "cumulative_sum", "cumulative_prod")


# ---- decompositions ------------------------------------------------------------------------------
def _count(x, axis):
    shape = x.shape
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


@FAMILY.decomposition("var")
def _var(x, axis=None, keepdims=False, correction=0.0):
    mu = nr.mean(x, axis=axis, keepdims=True)
    d = x - mu
    sq = nr.real(d * nr.conj(d)) if x.dtype.kind == "complex" else d * d
    n = _count(x, axis)
    return nr.sum(sq, axis=axis, keepdims=keepdims) / max(n - correction, 0)


@FAMILY.decomposition("std")
def _std(x, axis=None, keepdims=False, correction=0.0):
    return nr.sqrt(_var(x, axis=axis, keepdims=keepdims, correction=correction))


@FAMILY.decomposition("logsumexp")
def _logsumexp(x, axis=None, keepdims=False):
    m = nr.max(x, axis=axis, keepdims=True)
    m = nr.where(nr.isfinite(m), m, nr.zeros_like(m))
    out = nr.log(nr.sum(nr.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    return nr.squeeze(out, axis=tuple(range(x.ndim)) if axis is None else axis)


@FAMILY.decomposition("count_nonzero")
def _count_nonzero(x, axis=None, keepdims=False):
    return nr.sum(nr.astype(x != 0, _d.int64), axis=axis, keepdims=keepdims)


@FAMILY.decomposition("cumulative_prod")
def _cumulative_prod(x, axis=0, include_initial=False, dtype=None):
    # products as exp(sum(log)) would lose signs and zeros; a running product along the axis is exact
    x = nr.astype(x, dtype, copy=False) if dtype is not None else x
    lead = (slice(None),) * axis
    parts = [nr.ones_like(x[lead + (slice(0, 1),)])] if include_initial else []
    acc = None
    for i in range(x.shape[axis]):
        cur = x[lead + (slice(i, i + 1),)]
        acc = cur if acc is None else acc * cur
        parts.append(acc)
    if not parts:
        return x
    return nr.concat(parts, axis=axis)


@FAMILY.decomposition("diff")
def _diff(x, axis=-1, n=1):
    lead = (slice(None),) * (axis % x.ndim)
    for _ in range(n):
        x = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
    return x


# ---- samples -------------------------------------------------------------------------------------
_AXES = [None, 0, -1, (0, 2)]


def _reduction_ref(name):
    def ref(x, axis=None, keepdims=False, **kw):
        if name == "logsumexp":
            m = np.max(x, axis=axis, keepdims=True)
            out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
            return out if keepdims else np.squeeze(out, axis=axis)
        fn = getattr(np, name)
        if name in ("var", "std"):
            return fn(x, axis=axis, keepdims=keepdims, ddof=kw.get("correction", 0.0))
        return fn(x, axis=axis, keepdims=keepdims)
    return ref


@FAMILY.samples("sum", "prod", "max", "min", "mean", "var", "std", "all", "any", "logsumexp", "count_nonzero")
def _reduction_samples(name, dtypes):
    for dt in accepted(name, dtypes):
        low, high = (0.5, 1.5) if name == "prod" else (-3.0, 3.0)
        x = values((3, 4, 5), dt, low, high)
        for axis in _AXES:
            for keepdims in (False, True):
                kw = {"axis": axis, "keepdims": keepdims}
                if name in ("var", "std"):
                    kw["correction"] = 1.0 if keepdims else 0.0
                yield Sample(name, (x,), kw, ref=_reduction_ref(name), label=f"{axis}-{keepdims}-{dt.name}",
                             grad=smooth(dt), check_dtype=name not in ("sum", "prod"))
        yield Sample(name, (values((), dt),), ref=_reduction_ref(name), label=f"0d-{dt.name}", grad=smooth(dt),
                     check_dtype=name not in ("sum", "prod"))
        if name in ("sum", "prod", "all", "any", "count_nonzero"):
            yield Sample(name, (values((0, 3), dt),), {"axis": 0}, ref=_reduction_ref(name),
                         label=f"empty-{dt.name}", grad=False, check_dtype=False)
        if dt.kind == "float" and name in ("max", "min", "sum", "mean"):
            yield Sample(name, (specials(dt),), ref=_reduction_ref(name), label=f"specials-{dt.name}", grad=False)


@FAMILY.samples("argmax", "argmin")
def _arg_samples(name, dtypes):
    for dt in accepted(name, dtypes):
        x = values((3, 4, 5), dt)
        for axis in (None, 0, -1):
            for keepdims in (False, True):
                yield Sample(name, (x,), {"axis": axis, "keepdims": keepdims}, label=f"{axis}-{keepdims}-{dt.name}",
                             grad=False)


@FAMILY.samples("cumulative_sum", "cumulative_prod")
def _scan_samples(name, dtypes):
    base = {"cumulative_sum": np.cumsum, "cumulative_prod": np.cumprod}[name]

    def ref(x, axis=None, include_initial=False):
        out = base(x, axis=axis)
        if include_initial:
            shape = list(out.shape)
            shape[axis] = 1
            out = np.concatenate([np.full(shape, 0 if name == "cumulative_sum" else 1, out.dtype), out], axis=axis)
        return out
    for dt in accepted(name, dtypes):
        x = values((3, 4), dt, 0.5 if name == "cumulative_prod" else -3.0, 1.5 if name == "cumulative_prod" else 3.0)
        for axis in (0, 1):
            for inc in (False, True):
                yield Sample(name, (x,), {"axis": axis, "include_initial": inc}, ref=ref,
                             label=f"{axis}-{inc}-{dt.name}", grad=smooth(dt), check_dtype=False)


@FAMILY.samples("diff")
def _diff_samples(name, dtypes):
    for dt in accepted(name, dtypes):
        x = values((4, 5), dt)
        for axis, n in ((-1, 1), (0, 2)):
            yield Sample(name, (x,), {"axis": axis, "n": n}, label=f"{axis}-{n}-{dt.name}", grad=smooth(dt))
