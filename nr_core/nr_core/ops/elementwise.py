"""Elementwise ops: the table (each line also makes the namespace function), decompositions, kit samples.

Adding an elementwise op is one line here (plus a decomposition when it is not a primitive); the NumPy-like
backends pick the module function of the same name, the kit's generic samples cover it, and its gradient
rule goes in ``nr_autograd/rules/elementwise.py``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from ..api.elementwise import COMPUTE, clip, make_binary, make_unary  # noqa: F401  (clip: re-exported)
from ..optable import OpDef
from ..samples import Sample, accepted, smooth, specials, values
from ..array_object import Tensor
from ._family import Family

FAMILY = Family()


def _unary(name, dtypes, result="same", differentiable=True, primitive=True) -> Callable[[Tensor], Tensor]:
    return make_unary(FAMILY.add(OpDef(name, "elementwise", 1, dtypes, result, differentiable, primitive,
                                       fusable=True)))


def _binary(name, dtypes, result="same", differentiable=True, primitive=True) -> Callable[..., Tensor]:
    return make_binary(FAMILY.add(OpDef(name, "elementwise", 2, dtypes, result, differentiable, primitive,
                                        fusable=True)))


# ---- the table: unary ------------------------------------------------------------------------------
abs = _unary("abs", "numeric", "real")  # noqa: A001
acos = _unary("acos", "float-promoting", "float")
acosh = _unary("acosh", "float-promoting", "float")
asin = _unary("asin", "float-promoting", "float")
asinh = _unary("asinh", "float-promoting", "float")
atan = _unary("atan", "float-promoting", "float")
atanh = _unary("atanh", "float-promoting", "float")
bitwise_invert = _unary("bitwise_invert", "integer or boolean", differentiable=False)
ceil = _unary("ceil", "real numeric", differentiable=False)
conj = _unary("conj", "numeric")
cos = _unary("cos", "float-promoting", "float")
cosh = _unary("cosh", "float-promoting", "float")
exp = _unary("exp", "float-promoting", "float")
expm1 = _unary("expm1", "float-promoting", "float")
floor = _unary("floor", "real numeric", differentiable=False)
imag = _unary("imag", "complex floating-point", "real")
isfinite = _unary("isfinite", "numeric", "bool", differentiable=False)
isinf = _unary("isinf", "numeric", "bool", differentiable=False)
isnan = _unary("isnan", "numeric", "bool", differentiable=False)
log = _unary("log", "float-promoting", "float")
log1p = _unary("log1p", "float-promoting", "float")
log2 = _unary("log2", "float-promoting", "float")
log10 = _unary("log10", "float-promoting", "float")
logical_not = _unary("logical_not", "bool", differentiable=False)
negative = _unary("negative", "numeric")
positive = _unary("positive", "numeric")
real = _unary("real", "numeric", "real")
reciprocal = _unary("reciprocal", "float-promoting", "float")
round = _unary("round", "numeric", differentiable=False)  # noqa: A001
sign = _unary("sign", "numeric", differentiable=False)
signbit = _unary("signbit", "real floating-point", "bool", differentiable=False)
sin = _unary("sin", "float-promoting", "float")
sinh = _unary("sinh", "float-promoting", "float")
square = _unary("square", "numeric", primitive=False)
sqrt = _unary("sqrt", "float-promoting", "float")
tan = _unary("tan", "float-promoting", "float")
tanh = _unary("tanh", "float-promoting", "float")
trunc = _unary("trunc", "real numeric", differentiable=False)
sigmoid = _unary("sigmoid", "float-promoting", "float")
relu = _unary("relu", "real numeric", primitive=False)

# ---- the table: binary -----------------------------------------------------------------------------
add = _binary("add", "numeric")
atan2 = _binary("atan2", "real float-promoting", "float")
bitwise_and = _binary("bitwise_and", "integer or boolean", differentiable=False)
bitwise_left_shift = _binary("bitwise_left_shift", "integer", differentiable=False)
bitwise_or = _binary("bitwise_or", "integer or boolean", differentiable=False)
bitwise_right_shift = _binary("bitwise_right_shift", "integer", differentiable=False)
bitwise_xor = _binary("bitwise_xor", "integer or boolean", differentiable=False)
copysign = _binary("copysign", "real float-promoting", "float")
divide = _binary("divide", "float-promoting", "float")
equal = _binary("equal", "any", "bool", differentiable=False)
floor_divide = _binary("floor_divide", "real numeric", differentiable=False)
greater = _binary("greater", "real numeric", "bool", differentiable=False)
greater_equal = _binary("greater_equal", "real numeric", "bool", differentiable=False)
hypot = _binary("hypot", "real float-promoting", "float", primitive=False)
less = _binary("less", "real numeric", "bool", differentiable=False)
less_equal = _binary("less_equal", "real numeric", "bool", differentiable=False)
logaddexp = _binary("logaddexp", "real float-promoting", "float", primitive=False)
logical_and = _binary("logical_and", "bool", differentiable=False)
logical_or = _binary("logical_or", "bool", differentiable=False)
logical_xor = _binary("logical_xor", "bool", differentiable=False)
maximum = _binary("maximum", "real numeric")
minimum = _binary("minimum", "real numeric")
multiply = _binary("multiply", "numeric")
nextafter = _binary("nextafter", "real floating-point", differentiable=False)
not_equal = _binary("not_equal", "any", "bool", differentiable=False)
pow = _binary("pow", "numeric")  # noqa: A001
remainder = _binary("remainder", "real numeric")
subtract = _binary("subtract", "numeric")

# ---- autocast: functions whose 16-bit results lose too much (PyTorch's CUDA float32 list) run in float32
FAMILY.amp("fp32", "acos", "asin", "cosh", "exp", "expm1", "log", "log10", "log1p", "log2", "pow", "reciprocal",
           "sinh", "tan")
FAMILY.amp("promote", "atan2")

# ---- the table: ternary / parametrised (frontends: ``where`` in api.searching, ``clip`` in api.elementwise)
FAMILY.add(OpDef("where", "elementwise", 3, "any", "custom", fusable=True))
FAMILY.add(OpDef("clip", "elementwise", 1, "real numeric", primitive=False))

# the namespace functions this family makes (``nr_core`` star-imports them)
__all__ = FAMILY.names(lambda op: op.name != "where")


# ---- decompositions (in nr ops, for backends without a kernel) --------------------------------------
@FAMILY.decomposition("square")
def _square(x):
    return x * x


@FAMILY.decomposition("relu")
def _relu(x):
    return nr.maximum(x, 0)


@FAMILY.decomposition("hypot")
def _hypot(x1, x2):
    return nr.sqrt(x1 * x1 + x2 * x2)


@FAMILY.decomposition("logaddexp")
def _logaddexp(x1, x2):
    m = nr.maximum(x1, x2)
    m = nr.where(nr.isfinite(m), m, nr.zeros_like(m))
    return m + nr.log(nr.exp(x1 - m) + nr.exp(x2 - m))


@FAMILY.decomposition("clip")
def _clip(x, min=None, max=None):
    out = x
    if min is not None:
        out = nr.maximum(out, min)
    if max is not None:
        out = nr.minimum(out, max)
    return out


# ---- samples (NumPy is the reference) ---------------------------------------------------------------
# (low, high) of inputs where the function is smooth; the specials sample covers everything else
_DOMAIN = {
    "acos": (-0.9, 0.9), "asin": (-0.9, 0.9), "atanh": (-0.9, 0.9), "acosh": (1.1, 4.0),
    "log": (0.1, 4.0), "log2": (0.1, 4.0), "log10": (0.1, 4.0), "log1p": (-0.9, 4.0), "sqrt": (0.1, 4.0),
    "reciprocal": (0.5, 3.0), "tan": (-1.2, 1.2),
}
# NumPy departs from the standard's special cases here (the array API suite checks these against the standard)
_NUMPY_COMPLEX_SPECIALS_DIFFER = {"expm1", "tanh", "tan", "sinh", "cosh", "sin", "cos", "exp", "sigmoid"}
_NON_SMOOTH_AT_ZERO = {"abs", "relu", "sign"}
_REFS = {
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, x.dtype.type(0)),
    "conj": np.conj,
}


def _cast_ref(ref, dtype):
    """Reference computed at the op's compute dtype (int inputs of float ops are promoted first)."""
    def fn(*args):
        args = [a.astype(dtype.numpy) if isinstance(a, np.ndarray) and a.dtype != dtype.numpy else a for a in args]
        return ref(*args)
    return fn


def _ref_at_compute_dtype(name, ref, dt):
    cdt = COMPUTE[FAMILY.entries[name].op.result].get(dt, dt)
    return _cast_ref(ref, cdt) if cdt is not dt else ref


@FAMILY.samples(*FAMILY.names(lambda op: op.nin == 1 and op.name != "clip"))
def _unary_samples(name, dtypes):
    low, high = _DOMAIN.get(name, (-3.0, 3.0))
    ref = _REFS.get(name) or getattr(np, name)
    for dt in accepted(name, dtypes):
        r = _ref_at_compute_dtype(name, ref, dt)
        x = values((3, 4), dt, low, high)
        if name in _NON_SMOOTH_AT_ZERO and dt.kind == "float":
            x = np.where(np.abs(x) < 0.1, x + np.sign(x + 1e-9) * 0.2, x).astype(dt.numpy)
        yield Sample(name, (x,), ref=r, label=f"{dt.name}")
        yield Sample(name, (values((), dt, low, high, key=("0d",)),), ref=r, label=f"0d-{dt.name}")
        yield Sample(name, (values((0, 3), dt),), ref=r, label=f"empty-{dt.name}", grad=False)
        if dt.kind == "float" or (dt.kind == "complex" and name not in _NUMPY_COMPLEX_SPECIALS_DIFFER):
            yield Sample(name, (specials(dt),), ref=r, label=f"specials-{dt.name}", grad=False)


# domains for the binary ops' (x1, x2); ints get safe operands via _int_operands
_BINARY_DOMAIN = {"pow": ((0.5, 2.0), (-2.0, 2.0)), "divide": ((-3, 3), (0.5, 3.0)),
                  "remainder": ((-3, 3), (0.5, 3.0)), "floor_divide": ((-3, 3), (0.5, 3.0)),
                  "atan2": ((-3, 3), (0.5, 3.0))}


def _int_operands(name, shape1, shape2, dt):
    x1 = values(shape1, dt, key=(name, 1))
    x2 = values(shape2, dt, key=(name, 2))
    if name in ("floor_divide", "remainder", "divide"):
        x2 = np.where(x2 == 0, 1, x2).astype(dt.numpy)
    if name in ("bitwise_left_shift", "bitwise_right_shift"):
        x2 = np.abs(x2).astype(dt.numpy) % min(dt.itemsize * 8 - 1, 7)
    if name == "pow":
        x2 = np.abs(x2).astype(dt.numpy) % 3
    return x1, x2


@FAMILY.samples(*FAMILY.names(lambda op: op.nin == 2))
def _binary_samples(name, dtypes):
    ref = getattr(np, name)
    f32_ref = name != "nextafter"  # nextafter steps in the dtype's own spacing: no float32 stand-in
    (l1, h1), (l2, h2) = _BINARY_DOMAIN.get(name, ((-3.0, 3.0), (-3.0, 3.0)))
    for dt in accepted(name, dtypes):
        r = _ref_at_compute_dtype(name, ref, dt)
        for label, s1, s2 in (("same", (3, 4), (3, 4)), ("bcast", (3, 1), (1, 4)), ("0d", (), (4,)),
                              ("empty", (0, 4), (1, 4))):
            if dt.kind in ("int", "uint", "bool"):
                x1, x2 = _int_operands(name, s1, s2, dt)
            else:
                x1, x2 = values(s1, dt, l1, h1, key=(name, 1)), values(s2, dt, l2, h2, key=(name, 2))
            if name in ("maximum", "minimum") and dt.kind == "float":
                x2 = (x2 + 0.25).astype(dt.numpy)  # no ties, where the gradient is split
            if name == "copysign" and dt.kind == "float":
                x1 = np.where(np.abs(x1) < 0.1, 0.5, x1).astype(dt.numpy)  # away from the kink at zero
            yield Sample(name, (x1, x2), ref=r, label=f"{label}-{dt.name}", grad=smooth(dt) and label != "empty",
                         ref_in_float32=f32_ref)
        if smooth(dt) and name not in ("pow", "floor_divide"):
            s = specials(dt)
            yield Sample(name, (s, s[::-1].copy()), ref=r, label=f"specials-{dt.name}", grad=False,
                         ref_in_float32=f32_ref)
        if dt.kind != "bool":
            scalar = 2 if dt.kind in ("int", "uint") else 1.5
            x1 = (_int_operands(name, (3,), (3,), dt)[0] if dt.kind in ("int", "uint")
                  else values((3,), dt, l1 + 0.5 if l1 >= 0 else l1, h1))
            yield Sample(name, (x1, scalar), ref=r, label=f"scalar-{dt.name}", grad=smooth(dt), ref_in_float32=f32_ref)


@FAMILY.samples("where")
def _where_samples(name, dtypes):
    for dt in accepted(name, dtypes):
        cond = values((3, 4), _d.bool, key=("cond",))
        yield Sample(name, (cond, values((3, 4), dt, key=(1,)), values((1, 4), dt, key=(2,))), label=dt.name,
                     grad=smooth(dt))
        yield Sample(name, (cond, values((3, 4), dt, key=(1,)), values((), dt, key=(2,))), label=f"0d-{dt.name}",
                     grad=smooth(dt))


@FAMILY.samples("clip")
def _clip_samples(name, dtypes):
    for dt in accepted(name, dtypes):
        x = values((4, 5), dt)
        yield Sample(name, (x,), {"min": -1, "max": 2}, ref=np.clip, label=f"both-{dt.name}",
                     grad=dt.kind == "float")
        yield Sample(name, (x,), {"min": 0}, ref=lambda a, min, _dt=dt: np.maximum(a, _dt.numpy.type(min)),
                     label=f"min-{dt.name}", grad=dt.kind == "float")
