"""``softmax`` and ``log_softmax`` along one axis: fused, overflow-safe kernels with closed-form gradients."""
from __future__ import annotations

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.optable import OpDef

SOFTMAX = OpDef("softmax", "nn", 1, "real floating-point", primitive=False)
LOG_SOFTMAX = OpDef("log_softmax", "nn", 1, "real floating-point", primitive=False)


def softmax(x, axis: int):
    return apply(SOFTMAX, (x,), {"axis": axis}, x.dtype)


def log_softmax(x, axis: int):
    return apply(LOG_SOFTMAX, (x,), {"axis": axis}, x.dtype)


def _shifted(x, axis):
    return x - nr.max(x, axis=axis, keepdims=True)


def softmax_decomposition(x, axis):
    e = nr.exp(_shifted(x, axis))
    return e / nr.sum(e, axis=axis, keepdims=True)


def log_softmax_decomposition(x, axis):
    s = _shifted(x, axis)
    return s - nr.log(nr.sum(nr.exp(s), axis=axis, keepdims=True))


def softmax_vjp(ctx, g):
    y = ctx.out
    return (y * (g - nr.sum(g * y, axis=ctx.params["axis"], keepdims=True)),)


def log_softmax_vjp(ctx, g):
    return (g - nr.exp(ctx.out) * nr.sum(g, axis=ctx.params["axis"], keepdims=True),)


OPS = [
    (SOFTMAX, softmax_decomposition, softmax_vjp),
    (LOG_SOFTMAX, log_softmax_decomposition, log_softmax_vjp),
]
