"""Elementwise ONNX ops and activations, in nr ops (the one-to-one ones read ``UNARY``/``BINARY`` of the
export table backwards)."""
from __future__ import annotations

import math

import nr_core as nr

from ... import functional as F
from ...ops import softmax as _sm
from ...ops.special import erf
from ..export_ops import BINARY, UNARY
from ._base import IMPL, impl, nr_dtype


def _unary(fn):
    return lambda ctx, a, x: fn(x)


for _nr_name, _onnx_name in UNARY.items():
    IMPL[_onnx_name] = _unary(erf if _nr_name == "erf" else getattr(nr, _nr_name))
for _nr_name, _onnx_name in BINARY.items():
    if _onnx_name not in ("Div", "Pow", "Max", "Min"):
        IMPL[_onnx_name] = (lambda fn: lambda ctx, a, x, y: fn(x, y))(getattr(nr, _nr_name))


@impl("Div")
def _div(ctx, a, x, y):
    if x.dtype.kind in ("int", "uint"):
        q = nr.floor_divide(x, y)  # ONNX integer division truncates toward zero
        fix = nr.logical_and(nr.not_equal(q * y, x), nr.less(nr.multiply(nr.sign(x), nr.sign(y)), 0))
        return nr.where(fix, q + 1, q)
    return x / y


@impl("Pow")
def _pow(ctx, a, x, y):
    if y.dtype is not x.dtype:
        y = nr.astype(y, x.dtype) if x.dtype.kind == "float" else y
    out = nr.pow(x, y)
    return out if out.dtype is x.dtype else nr.astype(out, x.dtype)


def _variadic(fn):
    def run(ctx, a, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = fn(out, x)
        return out if len(xs) > 1 else nr.asarray(out, copy=True)
    return run


IMPL["Max"] = _variadic(nr.maximum)
IMPL["Min"] = _variadic(nr.minimum)
IMPL["Sum"] = _variadic(nr.add)


@impl("Mean")
def _mean_of(ctx, a, *xs):
    return _variadic(nr.add)(ctx, a, *xs) / len(xs)


@impl("Mod")
def _mod(ctx, a, x, y):
    if a.get("fmod", 0):  # C fmod: the dividend's sign
        if x.dtype.kind == "float":
            return x - nr.trunc(x / y) * y
        r = nr.remainder(x, y)
        return nr.where(nr.logical_and(nr.not_equal(r, 0), nr.less(nr.sign(r) * nr.sign(x), 0)), r - y, r)
    return nr.remainder(x, y)


@impl("IsInf")
def _isinf(ctx, a, x):
    pos, neg = a.get("detect_positive", 1), a.get("detect_negative", 1)
    inf = nr.isinf(x)
    if pos and neg:
        return inf
    if not pos and not neg:
        return nr.zeros(x.shape, dtype=nr.bool, device=x.device)
    return nr.logical_and(inf, x > 0 if pos else x < 0)


@impl("Where")
def _where(ctx, a, c, x, y):
    return nr.where(c, x, y)


@impl("Cast")
def _cast(ctx, a, x):
    return nr.astype(x, nr_dtype(a["to"]))


@impl("CastLike")
def _cast_like(ctx, a, x, like):
    return nr.astype(x, like.dtype)


@impl("Clip")
def _clip(ctx, a, x, lo=None, hi=None):
    if ctx.opset < 11:
        lo, hi = a.get("min"), a.get("max")
        return nr.clip(x, lo, hi)
    out = x
    if lo is not None:
        out = nr.maximum(out, lo)
    if hi is not None:
        out = nr.minimum(out, hi)
    return out


@impl("LeakyRelu")
def _leaky(ctx, a, x):
    return F.leaky_relu(x, a.get("alpha", 0.01))


@impl("Elu")
def _elu(ctx, a, x):
    return F.elu(x, a.get("alpha", 1.0))


@impl("Celu")
def _celu(ctx, a, x):
    return F.celu(x, a.get("alpha", 1.0))


@impl("Selu")
def _selu(ctx, a, x):
    alpha, gamma = a.get("alpha", 1.67326319217681884765625), a.get("gamma", 1.05070102214813232421875)
    return nr.where(x > 0, x, nr.expm1(nr.minimum(x, 0.0)) * alpha) * gamma


@impl("HardSigmoid")
def _hard_sigmoid(ctx, a, x):
    return nr.clip(x * a.get("alpha", 0.2) + a.get("beta", 0.5), 0.0, 1.0)


@impl("HardSwish")
def _hard_swish(ctx, a, x):
    return x * nr.clip(x / 6.0 + 0.5, 0.0, 1.0)


@impl("Softplus")
def _softplus(ctx, a, x):
    return F.softplus(x)


@impl("Softsign")
def _softsign(ctx, a, x):
    return F.softsign(x)


@impl("Mish")
def _mish(ctx, a, x):
    return F.mish(x)


@impl("Gelu")
def _gelu(ctx, a, x):
    return F.gelu(x, a.get("approximate", "none"))


@impl("ThresholdedRelu")
def _thresholded(ctx, a, x):
    return nr.where(x > a.get("alpha", 1.0), x, nr.zeros_like(x))


@impl("PRelu")
def _prelu(ctx, a, x, slope):
    return nr.where(x > 0, x, x * slope)


@impl("Shrink")
def _shrink(ctx, a, x):
    lam, bias = a.get("lambd", 0.5), a.get("bias", 0.0)
    return nr.where(x < -lam, x + bias, nr.where(x > lam, x - bias, nr.zeros_like(x)))


def _softmax_like(fused, composed):
    def run(ctx, a, x):
        if ctx.opset >= 13:
            return fused(x, a.get("axis", -1) % max(x.ndim, 1))
        axis = a.get("axis", 1) % max(x.ndim, 1)  # before 13: over the flattened trailing dims
        lead = math.prod(x.shape[:axis])
        return nr.reshape(composed(nr.reshape(x, (lead, -1))), x.shape)
    return run


IMPL["Softmax"] = _softmax_like(_sm.softmax, lambda x: _sm.softmax(x, 1))
IMPL["LogSoftmax"] = _softmax_like(_sm.log_softmax, lambda x: _sm.log_softmax(x, 1))


@impl("Hardmax")
def _hardmax(ctx, a, x):
    axis = a.get("axis", -1 if ctx.opset >= 13 else 1) % x.ndim
    if ctx.opset < 13:
        lead = math.prod(x.shape[:axis])
        return nr.reshape(_hardmax(ctx, {"axis": 1}, nr.reshape(x, (lead, -1))), x.shape) if x.ndim > 2 or \
            axis != 1 else _onehot_max(x, 1)
    return _onehot_max(x, axis)


def _onehot_max(x, axis):
    idx = nr.expand_dims(nr.argmax(x, axis=axis), axis=axis)
    pos = nr.reshape(nr.arange(x.shape[axis], device=x.device), (-1,) + (1,) * (x.ndim - axis - 1))
    return nr.astype(pos == idx, x.dtype)
