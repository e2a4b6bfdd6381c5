"""``linear`` and ``bilinear``."""
from __future__ import annotations

import nr_core as nr
from nr_core.amp import autocast_policy

from ..ops.linear import linear as _linear_op
from ._checks import floating, same


@autocast_policy("linear", "low")
def linear(input, weight, bias=None):
    """``input @ weight.T + bias``; input (*, in_features), weight (out_features, in_features)."""
    x = floating(input, "linear")
    same("linear", x, weight, bias)
    if weight.ndim not in (1, 2) or x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(f"linear: input {x.shape} and weight {weight.shape} do not match "
                         f"(need input[..., in_features] and weight[out_features, in_features])")
    if weight.ndim == 2 and (bias is None or bias.shape == weight.shape[:1]):
        return _linear_op(x, weight, bias)  # the fused op: one GEMM, bias in place, two-GEMM backward
    out = nr.matmul(x, weight.mT if weight.ndim == 2 else weight)
    if bias is not None:
        if bias.shape != out.shape[-1:] and bias.ndim > 0:
            raise ValueError(f"linear: bias {bias.shape} does not match {out.shape[-1:]} (weight {weight.shape})")
        out = out + bias
    return out


@autocast_policy("bilinear", "low")
def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]``."""
    x1 = floating(input1, "bilinear", "input1")
    same("bilinear", x1, input2, weight, bias)
    if (weight.ndim != 3 or x1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]
            or x1.shape[:-1] != input2.shape[:-1]):
        raise ValueError(f"bilinear: input1 {x1.shape}, input2 {input2.shape} and weight {weight.shape} do not "
                         "match (need input1[..., in1], input2[..., in2], weight[out, in1, in2])")
    lead = x1.shape[:-1]
    a = nr.reshape(x1, (-1, x1.shape[-1]))
    b = nr.reshape(input2, (-1, input2.shape[-1]))
    t = nr.matmul(nr.expand_dims(a, axis=0), weight)             # (out, N, in2)
    out = nr.permute_dims(nr.sum(t * nr.expand_dims(b, axis=0), axis=-1), (1, 0))
    if bias is not None:
        out = out + bias
    return nr.reshape(out, lead + (weight.shape[0],))
