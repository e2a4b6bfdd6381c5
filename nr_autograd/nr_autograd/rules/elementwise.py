"""Gradient rules of the elementwise ops (unary, binary, ``where``, ``clip``); the engine unbroadcasts."""
from __future__ import annotations

import cmath
import math

import nr_core as nr
from nr_core.array_object import Tensor

from ._table import rule_table
from ._util import conj, mulc

RULES, rule = rule_table()

# ---- unary ops whose gradient is g * conj(f'(x)), with f' written in x (the input) or y (the output)
_FROM_INPUT = {
    "acos": lambda x: -1 / nr.sqrt(1 - x * x),
    "acosh": lambda x: 1 / nr.sqrt(x * x - 1),
    "asin": lambda x: 1 / nr.sqrt(1 - x * x),
    "asinh": lambda x: 1 / nr.sqrt(x * x + 1),
    "atan": lambda x: 1 / (1 + x * x),
    "atanh": lambda x: 1 / (1 - x * x),
    "cos": lambda x: -nr.sin(x),
    "cosh": lambda x: nr.sinh(x),
    "log": lambda x: 1 / x,
    "log1p": lambda x: 1 / (1 + x),
    "log2": lambda x: 1 / (x * math.log(2.0)),
    "log10": lambda x: 1 / (x * math.log(10.0)),
    "sin": lambda x: nr.cos(x),
    "sinh": lambda x: nr.cosh(x),
    "square": lambda x: 2 * x,
}
_FROM_OUTPUT = {
    "exp": lambda y: y,
    "expm1": lambda y: y + 1,
    "reciprocal": lambda y: -(y * y),
    "sqrt": lambda y: 1 / (2 * y),
    "tan": lambda y: 1 + y * y,
    "tanh": lambda y: 1 - y * y,
    "sigmoid": lambda y: y * (1 - y),
}


def _via_input(d):
    return lambda ctx, g: (mulc(g, d(ctx.inputs[0])),)


def _via_output(d):
    return lambda ctx, g: (mulc(g, d(ctx.out)),)


for _name, _d in _FROM_INPUT.items():
    rule(_name, save="inputs")(_via_input(_d))
for _name, _d in _FROM_OUTPUT.items():
    rule(_name, save="out")(_via_output(_d))


@rule("abs", save="inputs")
def _abs(ctx, g):
    (x,) = ctx.inputs
    if x.dtype.kind != "complex":
        return (g * nr.sign(x),)
    a = nr.abs(x)
    return (g * (x / nr.where(a == 0, 1.0, a)),)  # g * sgn(x), with sgn(0) = 0


@rule("conj")
def _conj(ctx, g):
    return (conj(g),)


@rule("negative")
def _negative(ctx, g):
    return (-g,)


@rule("positive")
def _positive(ctx, g):
    return (g,)


@rule("real", meta=True)
def _real(ctx, g):
    return (g,)  # the engine casts the real gradient to the complex input's dtype


@rule("imag", meta=True)
def _imag(ctx, g):
    return (g * 1j,)


@rule("relu", save="out")
def _relu(ctx, g):
    return (nr.where(ctx.out > 0, g, 0.0),)


# ---- binary ---------------------------------------------------------------------------------
@rule("add", bcast=True)
def _add(ctx, g):
    return g, g


@rule("subtract", bcast=True)
def _subtract(ctx, g):
    return g, (-g if ctx.edges[1] is not None else None)


def _cross(edges):
    """Each input is read only for the other input's gradient."""
    return edges[1] is not None, edges[0] is not None


@rule("multiply", save="inputs", bcast=True, keep=_cross)
def _multiply(ctx, g):
    a, b = ctx.inputs
    e = ctx.edges
    return (mulc(g, b) if e[0] is not None else None), (mulc(g, a) if e[1] is not None else None)


@rule("divide", save="both", bcast=True, keep=lambda edges: (False, True))
def _divide(ctx, g):
    _, b = ctx.inputs
    ga = g / conj(b)
    return ga, (-(ga * conj(ctx.out)) if ctx.edges[1] is not None else None)


def _log_scalar(a):
    return cmath.log(a) if isinstance(a, complex) or a < 0 else (math.log(a) if a > 0 else -math.inf)


@rule("pow", save="both", bcast=True)
def _pow(ctx, g):
    a, b = ctx.inputs
    e = ctx.edges
    ga = gb = None
    if e[0] is not None:
        if isinstance(b, Tensor):
            # b * a**(b-1), zero where b == 0 (also at a == 0, where the formula gives 0 * inf)
            ga = mulc(g, nr.where(b == 0, 0.0, b * a ** (b - 1)))
        else:
            ga = mulc(g, b * a ** (b - 1)) if b != 0 else g * 0.0
    if e[1] is not None:
        y = ctx.out
        if isinstance(a, Tensor):
            # y * log(a), zero where a == 0 and b >= 0 (the limit PyTorch takes)
            d = y * nr.log(a)
            mask = (a == 0) & (nr.real(b) >= 0) if b.dtype.kind == "complex" else (a == 0) & (b >= 0)
            gb = mulc(g, nr.where(mask, 0.0, d))
        elif a == 0:
            gb = nr.where(nr.real(b) >= 0 if b.dtype.kind == "complex" else b >= 0, 0.0, g * -math.inf)
        else:
            gb = mulc(g, y * _log_scalar(a))
    return ga, gb


@rule("atan2", save="inputs", bcast=True)
def _atan2(ctx, g):
    y, x = ctx.inputs
    den = g / (x * x + y * y)
    e = ctx.edges
    return (den * x if e[0] is not None else None), (-den * y if e[1] is not None else None)


@rule("hypot", save="both", bcast=True)
def _hypot(ctx, g):
    a, b = ctx.inputs
    r = g / ctx.out
    e = ctx.edges
    return (r * a if e[0] is not None else None), (r * b if e[1] is not None else None)


@rule("logaddexp", save="inputs", bcast=True)
def _logaddexp(ctx, g):
    a, b = ctx.inputs
    e = ctx.edges
    return ((g / (1 + nr.exp(b - a)) if e[0] is not None else None),
            (g / (1 + nr.exp(a - b)) if e[1] is not None else None))


@rule("copysign", save="both", bcast=True)
def _copysign(ctx, g):
    a, b = ctx.inputs
    ga = gb = None
    if ctx.edges[0] is not None:
        # d|a|*sgn(b)/da = out / a away from a == 0, and 0 at a == 0 (PyTorch's choice)
        ga = nr.where(a == 0, 0.0, g * ctx.out / nr.where(a == 0, 1.0, a))
    if ctx.edges[1] is not None:
        gb = nr.zeros_like(b)
    return ga, gb


def _select(ctx, g, wins):
    """Gradients of maximum/minimum: to the winner, split evenly on ties (as PyTorch does)."""
    a, b = ctx.inputs
    tie = a == b
    half = g * 0.5
    e = ctx.edges
    ga = nr.where(tie, half, nr.where(wins(a, b), g, 0.0)) if e[0] is not None else None
    gb = nr.where(tie, half, nr.where(wins(b, a), g, 0.0)) if e[1] is not None else None
    return ga, gb


@rule("maximum", save="inputs", bcast=True)
def _maximum(ctx, g):
    return _select(ctx, g, nr.greater)


@rule("minimum", save="inputs", bcast=True)
def _minimum(ctx, g):
    return _select(ctx, g, nr.less)


@rule("remainder", save="inputs", bcast=True)
def _remainder(ctx, g):
    a, b = ctx.inputs
    return g, (-g * nr.floor_divide(a, b) if ctx.edges[1] is not None else None)


# ---- ternary and parametrised ---------------------------------------------------------------
@rule("where", save="inputs", bcast=True)
def _where(ctx, g):
    c = ctx.inputs[0]
    e = ctx.edges
    return (None,
            nr.where(c, g, 0.0) if e[1] is not None else None,
            nr.where(c, 0.0, g) if e[2] is not None else None)


@rule("clip", save="inputs")
def _clip(ctx, g):
    (x,) = ctx.inputs
    lo, hi = ctx.params.get("min"), ctx.params.get("max")
    inside = None
    if lo is not None:
        inside = x >= lo
    if hi is not None:
        inside = (x <= hi) if inside is None else inside & (x <= hi)
    return (g if inside is None else nr.where(inside, g, 0.0),)
