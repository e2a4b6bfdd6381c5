"""Reductions (``Reduce*``, ``ArgMax``/``ArgMin``), with ONNX's values over empty sets."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr

from ._base import IMPL, axes_arg


def _reduce(fn, since, empty=None):
    """``empty``: the value over an empty set (ONNX defines one for every reduction: 0, 1, -inf, +inf …)."""
    def run(ctx, a, x, axes=None):
        ax = axes_arg(ctx, a, axes, since)
        keep = bool(a.get("keepdims", 1))
        if not ax:
            if a.get("noop_with_empty_axes", 0):
                return x
            ax = list(range(x.ndim))
        ax = tuple(sorted(i % x.ndim for i in ax))
        if empty is not None and any(x.shape[i] == 0 for i in ax):
            shape = tuple(1 if i in ax else s for i, s in enumerate(x.shape) if keep or i not in ax)
            return nr.full(shape, empty(x.dtype), dtype=x.dtype, device=x.device)
        if x.dtype is nr.bool:
            return nr.astype(fn(nr.astype(x, nr.uint8), ax, keep), nr.bool)
        return fn(x, ax, keep)
    return run


def _lowest(dt):
    return False if dt is nr.bool else -math.inf if dt.kind == "float" else int(np.iinfo(dt.numpy).min)


def _highest(dt):
    return True if dt is nr.bool else math.inf if dt.kind == "float" else int(np.iinfo(dt.numpy).max)


def _r(name):
    return lambda x, ax, keep: getattr(nr, name)(x, axis=ax, keepdims=keep)


IMPL["ReduceSum"] = _reduce(_r("sum"), 13)
IMPL["ReduceMean"] = _reduce(_r("mean"), 18)
IMPL["ReduceMax"] = _reduce(_r("max"), 18, _lowest)
IMPL["ReduceMin"] = _reduce(_r("min"), 18, _highest)
IMPL["ReduceProd"] = _reduce(_r("prod"), 18)
IMPL["ReduceL1"] = _reduce(lambda x, ax, k: nr.sum(nr.abs(x), axis=ax, keepdims=k), 18)
IMPL["ReduceL2"] = _reduce(lambda x, ax, k: nr.sqrt(nr.sum(x * x, axis=ax, keepdims=k)), 18)
IMPL["ReduceSumSquare"] = _reduce(lambda x, ax, k: nr.sum(x * x, axis=ax, keepdims=k), 18)
IMPL["ReduceLogSum"] = _reduce(lambda x, ax, k: nr.log(nr.sum(x, axis=ax, keepdims=k)), 18)
IMPL["ReduceLogSumExp"] = _reduce(lambda x, ax, k: nr.logsumexp(x, axis=ax, keepdims=k), 18, lambda dt: -math.inf)


def _arg(fn):
    def run(ctx, a, x):
        axis = a.get("axis", 0) % x.ndim
        keep = bool(a.get("keepdims", 1))
        if a.get("select_last_index", 0):
            n = x.shape[axis]
            return (n - 1) - fn(nr.flip(x, axis=axis), axis=axis, keepdims=keep)
        return fn(x, axis=axis, keepdims=keep)
    return run


IMPL["ArgMax"] = _arg(nr.argmax)
IMPL["ArgMin"] = _arg(nr.argmin)
