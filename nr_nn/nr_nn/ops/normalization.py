"""``layer_norm`` without affine terms: normalise over the last ``ndim`` axes in one fused kernel."""
from __future__ import annotations

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.optable import OpDef

LAYER_NORM = OpDef("layer_norm", "nn", 1, "real floating-point", primitive=False)


def layer_norm(x, ndim: int, eps: float):
    return apply(LAYER_NORM, (x,), {"ndim": ndim, "eps": eps}, x.dtype)


def _axes(ndim):
    return tuple(range(-ndim, 0))


def layer_norm_decomposition(x, ndim, eps):
    axes = _axes(ndim)
    d = x - nr.mean(x, axis=axes, keepdims=True)
    return d / nr.sqrt(nr.mean(d * d, axis=axes, keepdims=True) + eps)


def layer_norm_vjp(ctx, g):
    x, y = ctx.inputs[0], ctx.out
    axes = _axes(ctx.params["ndim"])
    d = x - nr.mean(x, axis=axes, keepdims=True)
    rstd = 1.0 / nr.sqrt(nr.mean(d * d, axis=axes, keepdims=True) + ctx.params["eps"])
    gx = g - nr.mean(g, axis=axes, keepdims=True) - y * nr.mean(g * y, axis=axes, keepdims=True)
    return (gx * rstd,)


OPS = [(LAYER_NORM, layer_norm_decomposition, layer_norm_vjp)]
