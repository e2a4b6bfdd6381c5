"""C expressions of the elementwise ops, by operand kind, plus the helper functions some of them call.

Templates use ``{a}``/``{b}``/``{c}`` for operands (always plain variables, so repeating them is safe) and
``{T}`` for the operand's C type. They are valid OpenCL C and (with the dialect's type names) MSL.
"""
from __future__ import annotations

from nr_core.dtypes import bfloat16 as _bfloat16

# keys are NumPy dtype kinds: "f" float, "i" signed int, "u" unsigned int, "b" bool; "*" any kind not listed
# (complex values only reach the generator to be copied, through "positive" and "astype" to the same dtype)
_F_FUNCS = ("acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp", "expm1", "log", "log1p",
            "log2", "log10", "sin", "sinh", "sqrt", "tan", "tanh")

UNARY: dict[str, dict[str, str]] = {name: {"f": f"{name}({{a}})"} for name in _F_FUNCS}
UNARY.update({
    "abs": {"f": "fabs({a})", "i": "({a} < 0 ? ({T})-{a} : {a})", "*": "{a}"},
    "bitwise_invert": {"b": "({T})!{a}", "*": "({T})~{a}"},
    "ceil": {"f": "ceil({a})", "*": "{a}"},
    "floor": {"f": "floor({a})", "*": "{a}"},
    "trunc": {"f": "trunc({a})", "*": "{a}"},
    "round": {"f": "rint({a})", "*": "{a}"},
    "conj": {"*": "{a}"},
    "real": {"*": "{a}"},
    "positive": {"*": "{a}"},
    "negative": {"*": "({T})-{a}"},
    "isfinite": {"f": "isfinite({a})", "*": "1"},
    "isinf": {"f": "isinf({a})", "*": "0"},
    "isnan": {"f": "isnan({a})", "*": "0"},
    "logical_not": {"*": "!{a}"},
    "reciprocal": {"f": "(({T})1 / {a})"},
    "sign": {"f": "({a} > 0 ? ({T})1 : ({a} < 0 ? ({T})-1 : ({a} == 0 ? ({T})0 : {a})))", "i": "({T})(({a} > 0) - ({a} < 0))",
             "*": "({T})({a} > 0)"},
    "signbit": {"f": "(signbit({a}) != 0)"},
    "square": {"*": "({T})({a} * {a})"},
    "sigmoid": {"f": "(({T})1 / (({T})1 + exp(-{a})))"},
    "relu": {"f": "(({a} > 0 || isnan({a})) ? {a} : ({T})0)", "*": "({a} > 0 ? {a} : ({T})0)"},
})

BINARY: dict[str, dict[str, str]] = {
    "add": {"*": "({T})({a} + {b})"},
    "subtract": {"*": "({T})({a} - {b})"},
    "multiply": {"*": "({T})({a} * {b})"},
    "divide": {"f": "({a} / {b})"},
    "atan2": {"f": "atan2({a}, {b})"},
    "copysign": {"f": "copysign({a}, {b})"},
    "hypot": {"f": "hypot({a}, {b})"},
    "nextafter": {"f": "nextafter({a}, {b})"},
    "bitwise_and": {"*": "({T})({a} & {b})"},
    "bitwise_or": {"*": "({T})({a} | {b})"},
    "bitwise_xor": {"*": "({T})({a} ^ {b})"},
    "bitwise_left_shift": {"*": "nr_shl_{T}({a}, {b})"},
    "bitwise_right_shift": {"*": "nr_shr_{T}({a}, {b})"},
    "equal": {"*": "({a} == {b})"},
    "not_equal": {"*": "({a} != {b})"},
    "greater": {"*": "({a} > {b})"},
    "greater_equal": {"*": "({a} >= {b})"},
    "less": {"*": "({a} < {b})"},
    "less_equal": {"*": "({a} <= {b})"},
    "logical_and": {"*": "({a} && {b})"},
    "logical_or": {"*": "({a} || {b})"},
    "logical_xor": {"*": "(!{a} != !{b})"},
    "maximum": {"f": "(({a} > {b} || isnan({a})) ? {a} : {b})", "*": "({a} > {b} ? {a} : {b})"},
    "minimum": {"f": "(({a} < {b} || isnan({a})) ? {a} : {b})", "*": "({a} < {b} ? {a} : {b})"},
    "floor_divide": {"f": "nr_floordiv_{T}({a}, {b})", "i": "nr_ifloordiv_{T}({a}, {b})",
                     "*": "({b} == 0 ? ({T})0 : ({T})({a} / {b}))"},
    "remainder": {"f": "nr_fmod_{T}({a}, {b})", "i": "nr_imod_{T}({a}, {b})",
                  "*": "({b} == 0 ? ({T})0 : ({T})({a} % {b}))"},
    "pow": {"f": "pow({a}, {b})", "*": "nr_ipow_{T}({a}, {b})"},
    "logaddexp": {"f": "nr_logaddexp_{T}({a}, {b})"},
}

TERNARY: dict[str, dict[str, str]] = {"where": {"*": "({a} ? {b} : {c})"}}

# ops whose result is bool whatever the operand dtype
BOOL_RESULT = frozenset(("isfinite", "isinf", "isnan", "logical_not", "signbit", "equal", "not_equal", "greater",
                         "greater_equal", "less", "less_equal", "logical_and", "logical_or", "logical_xor"))

# helper functions, emitted once per kernel and C type when a template names them
HELPERS: dict[str, str] = {
    "nr_floordiv": """
{T} nr_floordiv_{T}({T} a, {T} b) {{
    if (isinf(a) != isinf(b)) return floor(a / b);  /* the standard's inf // finite and finite // inf */
    if (b == 0) return a / b;
    {T} m = fmod(a, b);
    {T} d = (a - m) / b;
    if (m != 0 && ((b < 0) != (m < 0))) d -= 1;
    if (d == 0) return copysign(({T})0, a / b);
    {T} f = floor(d);
    return (d - f > ({T})0.5) ? f + 1 : f;
}}""",
    "nr_fmod": """
{T} nr_fmod_{T}({T} a, {T} b) {{
    {T} m = fmod(a, b);
    if (b == 0) return m;
    if (m != 0) {{ if ((b < 0) != (m < 0)) m += b; }}
    else m = copysign(({T})0, b);
    return m;
}}""",
    "nr_ifloordiv": """
{T} nr_ifloordiv_{T}({T} a, {T} b) {{
    if (b == 0) return 0;
    if (b == -1) return ({T})(0 - a);
    {T} q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
    return q;
}}""",
    "nr_imod": """
{T} nr_imod_{T}({T} a, {T} b) {{
    if (b == 0 || b == -1) return 0;
    {T} r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}}""",
    "nr_ipow": """
{T} nr_ipow_{T}({T} a, {T} b) {{
    if (b < 0) return a == 1 ? ({T})1 : (a == ({T})-1 ? ((b & 1) ? ({T})-1 : ({T})1) : ({T})0);
    {T} r = 1;
    while (b) {{ if (b & 1) r *= a; a *= a; b >>= 1; }}
    return r;
}}""",
    "nr_shl": """
{T} nr_shl_{T}({T} a, {T} b) {{
    return (b < 0 || b >= ({T})(8 * sizeof({T}))) ? ({T})0 : ({T})(a << b);
}}""",
    "nr_shr": """
{T} nr_shr_{T}({T} a, {T} b) {{
    if (b < 0 || b >= ({T})(8 * sizeof({T}))) return a < 0 ? ({T})-1 : ({T})0;
    return ({T})(a >> b);
}}""",
    "nr_logaddexp": """
{T} nr_logaddexp_{T}({T} a, {T} b) {{
    if (a == b) return a + ({T})0.693147180559945309417232121458176568;
    {T} d = a - b;
    if (d > 0) return a + log1p(exp(-d));
    if (d <= 0) return b + log1p(exp(d));
    return d;
}}""",
}

TABLES = {1: UNARY, 2: BINARY, 3: TERNARY}
ELEMENTWISE_OPS = frozenset(UNARY) | frozenset(BINARY) | frozenset(TERNARY)


def template(op: str, nin: int, dtype) -> str | None:
    """The C template of ``op`` for operands of numpy ``dtype`` (None: no kernel for that kind). The 16-bit floats
    compute in float, so they take the float forms."""
    forms = TABLES[nin].get(op)
    if forms is None:
        return None
    kind = "f" if dtype.str in LOW_FLOATS else dtype.kind
    return forms.get(kind, forms.get("*"))


# the 16-bit floats, stored as 16 bits and computed in float: numpy dtype str -> storage format
LOW_FLOATS = {"<f2": "half"}
if _bfloat16.numpy is not None:
    LOW_FLOATS[_bfloat16.numpy.str] = "bf16"

# loads, rounding and stores of the 16-bit formats, on their bits (so no device needs cl_khr_fp16); AS_FLOAT and
# AS_UINT are the dialect's bit reinterpretations (``Dialect.low_helpers``)
LOW_HELPERS = """
float nr_half_load(ushort h) {
    uint sign = ((uint)h & 0x8000u) << 16, e = ((uint)h >> 10) & 0x1fu, m = (uint)h & 0x3ffu;
    if (e == 0u) { float v = (float)m * 5.9604644775390625e-8f; return sign ? -v : v; }  /* subnormal: m * 2**-24 */
    if (e == 31u) return AS_FLOAT(sign | 0x7f800000u | (m << 13));
    return AS_FLOAT(sign | ((e + 112u) << 23) | (m << 13));
}
ushort nr_half_store(float f) {
    uint x = AS_UINT(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (ushort)(sign | 0x7e00u);                    /* NaN */
    if (ax >= 0x47800000u) return (ushort)(sign | 0x7c00u);                   /* 65536 and up: inf */
    if (ax < 0x38800000u) return (ushort)(sign | (uint)rint(AS_FLOAT(ax) * 16777216.0f));  /* subnormal, RNE */
    uint h = (((ax >> 23) - 112u) << 10) | ((ax & 0x7fffffu) >> 13), rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h += 1u;              /* nearest even; may carry to inf */
    return (ushort)(sign | h);
}
float nr_half_round(float f) { return nr_half_load(nr_half_store(f)); }
float nr_bf16_load(ushort u) { return AS_FLOAT(((uint)u) << 16); }
ushort nr_bf16_store(float f) {
    uint u = AS_UINT(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (ushort)((u >> 16) | 0x40u);  /* NaN stays a quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);                                          /* round to nearest even */
    return (ushort)(u >> 16);
}
float nr_bf16_round(float f) { return nr_bf16_load(nr_bf16_store(f)); }
"""
