"""Activation functions (PyTorch semantics), built from nr ops plus the fused softmax/log-softmax and erf ops."""
from __future__ import annotations

import math

import nr_core as nr
from nr_core.shapes import normalize_axis
from nr_core.amp import autocast_policy

from ..ops import softmax as _sm
from ..ops.special import erf
from ._checks import floating, same, tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def relu(input, inplace: bool = False):
    return nr.relu(tensor(input, "relu"))


def relu6(input, inplace: bool = False):
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    x = tensor(input, "leaky_relu")
    return nr.where(x > 0, x, x * negative_slope)


@autocast_policy("prelu", "low")
def prelu(input, weight):
    x = floating(input, "prelu")
    same("prelu", x, weight)
    if weight.ndim != 1 or (weight.shape[0] != 1 and (x.ndim < 2 or weight.shape[0] != x.shape[1])):
        raise ValueError(f"prelu: weight must hold 1 or C={x.shape[1] if x.ndim > 1 else 1} values, "
                         f"got shape {weight.shape} for input {x.shape}")
    w = weight if weight.shape[0] == 1 or x.ndim < 2 else nr.reshape(weight, (-1,) + (1,) * (x.ndim - 2))
    return nr.where(x > 0, x, x * w)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    x = floating(input, "elu")
    return nr.where(x > 0, x, nr.expm1(nr.minimum(x, 0.0)) * alpha)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    x = floating(input, "celu")
    return nr.where(x > 0, x, nr.expm1(nr.minimum(x, 0.0) / alpha) * alpha)


def selu(input, inplace: bool = False):
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def gelu(input, approximate: str = "none"):
    x = floating(input, "gelu")
    if approximate == "none":
        return x * (erf(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (nr.tanh(inner) + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input, inplace: bool = False):
    x = floating(input, "silu")
    return x * nr.sigmoid(x)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    x = floating(input, "softplus")
    bx = x * beta
    # log1p(exp(-|bx|)) + max(bx, 0) never overflows; above the threshold torch returns x itself
    soft = (nr.log1p(nr.exp(-nr.abs(bx))) + nr.relu(bx)) / beta
    return nr.where(bx > threshold, x, soft)


def mish(input, inplace: bool = False):
    x = floating(input, "mish")
    return x * nr.tanh(softplus(x))


def sigmoid(input):
    return nr.sigmoid(tensor(input, "sigmoid"))


def tanh(input):
    return nr.tanh(tensor(input, "tanh"))


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return nr.clip(tensor(input, "hardtanh"), min_val, max_val)


def hardsigmoid(input, inplace: bool = False):
    return nr.clip(tensor(input, "hardsigmoid") / 6.0 + 0.5, 0.0, 1.0)


def hardswish(input, inplace: bool = False):
    x = tensor(input, "hardswish")
    return x * hardsigmoid(x)


def logsigmoid(input):
    return -softplus(-floating(input, "logsigmoid"))


def softsign(input):
    x = floating(input, "softsign")
    return x / (nr.abs(x) + 1.0)


def tanhshrink(input):
    x = floating(input, "tanhshrink")
    return x - nr.tanh(x)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    x = tensor(input, "threshold")
    return nr.where(x > threshold, x, nr.full_like(x, value))


def _softmax_axis(x, dim, fn):
    if dim is None:
        # torch's legacy implicit choice: dim 0 for 0-, 1- and 3-D inputs, else 1
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return normalize_axis(dim, max(x.ndim, 1), fn)


def _with_dtype(x, dtype, fn):
    x = tensor(x, fn)
    if dtype is not None:
        x = nr.astype(x, dtype)
    return floating(x, fn)


def softmax(input, dim: int | None = None, dtype=None):
    x = _with_dtype(input, dtype, "softmax")
    if x.ndim == 0:
        return nr.ones_like(x)
    return _sm.softmax(x, _softmax_axis(x, dim, "softmax"))


def log_softmax(input, dim: int | None = None, dtype=None):
    x = _with_dtype(input, dtype, "log_softmax")
    if x.ndim == 0:
        return nr.zeros_like(x)
    return _sm.log_softmax(x, _softmax_axis(x, dim, "log_softmax"))


def softmin(input, dim: int | None = None, dtype=None):
    return softmax(-tensor(input, "softmin"), dim, dtype)


def glu(input, dim: int = -1):
    x = floating(input, "glu")
    axis = normalize_axis(dim, x.ndim, "glu")
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: dimension {dim} of shape {x.shape} must have an even size")
    lead = (slice(None),) * axis
    return x[lead + (slice(0, n // 2),)] * nr.sigmoid(x[lead + (slice(n // 2, n),)])
