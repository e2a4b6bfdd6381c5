"""Elementwise functions of the standard (plus ``sigmoid``/``relu``), each built from its op-table entry."""
from __future__ import annotations

from ..dispatch import apply, bad_dtype, make_binary, make_unary
from ..optable import OPS
from ..tensor import Tensor

_U, _B = make_unary, make_binary

abs = _U(OPS["abs"])
acos = _U(OPS["acos"])
acosh = _U(OPS["acosh"])
asin = _U(OPS["asin"])
asinh = _U(OPS["asinh"])
atan = _U(OPS["atan"])
atanh = _U(OPS["atanh"])
bitwise_invert = _U(OPS["bitwise_invert"])
ceil = _U(OPS["ceil"])
conj = _U(OPS["conj"])
cos = _U(OPS["cos"])
cosh = _U(OPS["cosh"])
exp = _U(OPS["exp"])
expm1 = _U(OPS["expm1"])
floor = _U(OPS["floor"])
imag = _U(OPS["imag"])
isfinite = _U(OPS["isfinite"])
isinf = _U(OPS["isinf"])
isnan = _U(OPS["isnan"])
log = _U(OPS["log"])
log1p = _U(OPS["log1p"])
log2 = _U(OPS["log2"])
log10 = _U(OPS["log10"])
logical_not = _U(OPS["logical_not"])
negative = _U(OPS["negative"])
positive = _U(OPS["positive"])
real = _U(OPS["real"])
reciprocal = _U(OPS["reciprocal"])
round = _U(OPS["round"])
sign = _U(OPS["sign"])
signbit = _U(OPS["signbit"])
sin = _U(OPS["sin"])
sinh = _U(OPS["sinh"])
square = _U(OPS["square"])
sqrt = _U(OPS["sqrt"])
tan = _U(OPS["tan"])
tanh = _U(OPS["tanh"])
trunc = _U(OPS["trunc"])
sigmoid = _U(OPS["sigmoid"])
relu = _U(OPS["relu"])

add = _B(OPS["add"])
atan2 = _B(OPS["atan2"])
bitwise_and = _B(OPS["bitwise_and"])
bitwise_left_shift = _B(OPS["bitwise_left_shift"])
bitwise_or = _B(OPS["bitwise_or"])
bitwise_right_shift = _B(OPS["bitwise_right_shift"])
bitwise_xor = _B(OPS["bitwise_xor"])
copysign = _B(OPS["copysign"])
divide = _B(OPS["divide"])
equal = _B(OPS["equal"])
floor_divide = _B(OPS["floor_divide"])
greater = _B(OPS["greater"])
greater_equal = _B(OPS["greater_equal"])
hypot = _B(OPS["hypot"])
less = _B(OPS["less"])
less_equal = _B(OPS["less_equal"])
logaddexp = _B(OPS["logaddexp"])
logical_and = _B(OPS["logical_and"])
logical_or = _B(OPS["logical_or"])
logical_xor = _B(OPS["logical_xor"])
maximum = _B(OPS["maximum"])
minimum = _B(OPS["minimum"])
multiply = _B(OPS["multiply"])
nextafter = _B(OPS["nextafter"])
not_equal = _B(OPS["not_equal"])
pow = _B(OPS["pow"])
remainder = _B(OPS["remainder"])
subtract = _B(OPS["subtract"])

_CLIP = OPS["clip"]


def clip(x, /, min=None, max=None) -> Tensor:
    """Clamp to [min, max]; bounds may be Python scalars or arrays (broadcast to ``x``)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"clip: expected an nr array, got {type(x).__name__}")
    if x._dtype not in _CLIP.accepts:
        raise bad_dtype(_CLIP, x._dtype)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        if out._dtype is not x._dtype:  # the bounds do not take part in type promotion
            from .data_types import astype
            out = astype(out, x._dtype)
        return out  # shaped like x, min and max broadcast together
    for b in (min, max):
        if b is not None and not isinstance(b, (int, float)):
            raise TypeError(f"clip: bounds must be real numbers or nr arrays, got {b!r}")
    if x._dtype.kind in ("int", "uint"):
        # bounds outside the dtype's range do not clip; keep them representable
        import numpy as np
        info = np.iinfo(x._dtype.numpy)
        min = None if min is None or min <= info.min else (int(min) if float(min).is_integer() else min)
        max = None if max is None or max >= info.max else (int(max) if float(max).is_integer() else max)
    return apply(_CLIP, (x,), {"min": min, "max": max}, x._dtype)
