"""The op table: one entry per op, the single source of truth that frontend, backends, gradient rules,
test kit and docs all key on.

Kernel calling convention (what ``backend.kernels[name]`` receives and returns), by kind:

- ``elementwise``: native buffers of one common dtype (the frontend has promoted and cast them),
  broadcasting left to the kernel; returns one buffer of the result dtype.
- ``reduction``: ``(buf, axis: tuple[int, ...] | None, keepdims: bool, **params)``; axes are normalised.
- ``scan``: ``(buf, axis: int, include_initial: bool, dtype)``.
- ``shape``/``view``/``indexing``/``linalg``/``sort``/``set``/``search``: the buffers then the keyword
  parameters named in the frontend function (``shape=``, ``axes=``, ``axis=``, ``key=`` …).
- ``creation``: keyword parameters plus ``dtype`` (an nr DType) and ``device`` (an nr Device).
Multi-output ops return a tuple of buffers. ``setitem(buf, value, key=)`` writes in place and returns the
buffer the array holds from then on (the same one, unless the old one was immutable).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import dtypes as _d

# dtype categories of the standard
_INT = frozenset(d for d in _d.ALL_DTYPES if d.kind in ("int", "uint"))
_REAL_FLOAT = frozenset((_d.float32, _d.float64))
_COMPLEX = frozenset((_d.complex64, _d.complex128))
_FLOAT = _REAL_FLOAT | _COMPLEX
_REAL = _INT | _REAL_FLOAT
_NUMERIC = _REAL | _COMPLEX
_ANY = frozenset(_d.ALL_DTYPES)
_BOOL = frozenset((_d.bool,))

CATEGORIES = {
    "bool": _BOOL,
    "integer": _INT,
    "integer or boolean": _INT | _BOOL,
    "real floating-point": _REAL_FLOAT,
    "floating-point": _FLOAT,
    "complex floating-point": _COMPLEX,
    "real numeric": _REAL,
    "numeric": _NUMERIC,
    # sum/prod of bools count, as in NumPy and PyTorch (the standard leaves bool out)
    "numeric or boolean": _NUMERIC | _BOOL,
    # PyTorch-style: integer/bool inputs are accepted and computed in the default float dtype
    "float-promoting": _ANY,
    "real float-promoting": _REAL | _BOOL,
    "any": _ANY,
}


@dataclass(frozen=True)
class OpDef:
    """One op of the table.

    ``result``: how the output dtype follows from the (promoted) input dtype:
    ``same``, ``bool``, ``real`` (complex -> its real part's dtype), ``float`` (int/bool -> default float),
    ``index`` (int64), ``custom`` (the frontend function decides).
    ``primitive``: every backend must implement it; others have a frontend decomposition.
    ``view``: the result may share memory with the first input (version counters are shared).
    ``fusable``: an elementwise op a backend may fuse with its neighbours.
    """

    name: str
    kind: str
    nin: int
    dtypes: str
    result: str = "same"
    differentiable: bool = True
    primitive: bool = True
    view: bool = False
    fusable: bool = False
    nout: int = 1

    @property
    def accepts(self) -> frozenset:
        return CATEGORIES[self.dtypes]


def _ew(name, nin, dtypes, result="same", differentiable=True, primitive=True):
    return OpDef(name, "elementwise", nin, dtypes, result, differentiable, primitive, fusable=True)


_TABLE = [
    # ---- elementwise, unary
    _ew("abs", 1, "numeric", "real"),
    _ew("acos", 1, "float-promoting", "float"),
    _ew("acosh", 1, "float-promoting", "float"),
    _ew("asin", 1, "float-promoting", "float"),
    _ew("asinh", 1, "float-promoting", "float"),
    _ew("atan", 1, "float-promoting", "float"),
    _ew("atanh", 1, "float-promoting", "float"),
    _ew("bitwise_invert", 1, "integer or boolean", differentiable=False),
    _ew("ceil", 1, "real numeric", differentiable=False),
    _ew("conj", 1, "numeric"),
    _ew("cos", 1, "float-promoting", "float"),
    _ew("cosh", 1, "float-promoting", "float"),
    _ew("exp", 1, "float-promoting", "float"),
    _ew("expm1", 1, "float-promoting", "float"),
    _ew("floor", 1, "real numeric", differentiable=False),
    _ew("imag", 1, "complex floating-point", "real"),
    _ew("isfinite", 1, "numeric", "bool", differentiable=False),
    _ew("isinf", 1, "numeric", "bool", differentiable=False),
    _ew("isnan", 1, "numeric", "bool", differentiable=False),
    _ew("log", 1, "float-promoting", "float"),
    _ew("log1p", 1, "float-promoting", "float"),
    _ew("log2", 1, "float-promoting", "float"),
    _ew("log10", 1, "float-promoting", "float"),
    _ew("logical_not", 1, "bool", differentiable=False),
    _ew("negative", 1, "numeric"),
    _ew("positive", 1, "numeric"),
    _ew("real", 1, "numeric", "real"),
    _ew("reciprocal", 1, "float-promoting", "float"),
    _ew("round", 1, "numeric", differentiable=False),
    _ew("sign", 1, "numeric", differentiable=False),
    _ew("signbit", 1, "real floating-point", "bool", differentiable=False),
    _ew("sin", 1, "float-promoting", "float"),
    _ew("sinh", 1, "float-promoting", "float"),
    _ew("square", 1, "numeric", primitive=False),
    _ew("sqrt", 1, "float-promoting", "float"),
    _ew("tan", 1, "float-promoting", "float"),
    _ew("tanh", 1, "float-promoting", "float"),
    _ew("trunc", 1, "real numeric", differentiable=False),
    _ew("sigmoid", 1, "float-promoting", "float"),
    _ew("relu", 1, "real numeric", primitive=False),
    # ---- elementwise, binary
    _ew("add", 2, "numeric"),
    _ew("atan2", 2, "real float-promoting", "float"),
    _ew("bitwise_and", 2, "integer or boolean", differentiable=False),
    _ew("bitwise_left_shift", 2, "integer", differentiable=False),
    _ew("bitwise_or", 2, "integer or boolean", differentiable=False),
    _ew("bitwise_right_shift", 2, "integer", differentiable=False),
    _ew("bitwise_xor", 2, "integer or boolean", differentiable=False),
    _ew("copysign", 2, "real float-promoting", "float"),
    _ew("divide", 2, "float-promoting", "float"),
    _ew("equal", 2, "any", "bool", differentiable=False),
    _ew("floor_divide", 2, "real numeric", differentiable=False),
    _ew("greater", 2, "real numeric", "bool", differentiable=False),
    _ew("greater_equal", 2, "real numeric", "bool", differentiable=False),
    _ew("hypot", 2, "real float-promoting", "float", primitive=False),
    _ew("less", 2, "real numeric", "bool", differentiable=False),
    _ew("less_equal", 2, "real numeric", "bool", differentiable=False),
    _ew("logaddexp", 2, "real float-promoting", "float", primitive=False),
    _ew("logical_and", 2, "bool", differentiable=False),
    _ew("logical_or", 2, "bool", differentiable=False),
    _ew("logical_xor", 2, "bool", differentiable=False),
    _ew("maximum", 2, "real numeric"),
    _ew("minimum", 2, "real numeric"),
    _ew("multiply", 2, "numeric"),
    _ew("nextafter", 2, "real floating-point", differentiable=False),
    _ew("not_equal", 2, "any", "bool", differentiable=False),
    _ew("pow", 2, "numeric"),
    _ew("remainder", 2, "real numeric"),
    _ew("subtract", 2, "numeric"),
    # ---- elementwise, ternary / parametrised
    OpDef("where", "elementwise", 3, "any", "custom", fusable=True),
    OpDef("clip", "elementwise", 1, "real numeric", primitive=False),
    # ---- dtype conversion and host transfer
    OpDef("astype", "cast", 1, "any", "custom"),
    OpDef("to_host", "transfer", 1, "any", "custom", differentiable=False),
    OpDef("to_device", "transfer", 1, "any", "custom"),
    # ---- reductions
    OpDef("sum", "reduction", 1, "numeric or boolean", "custom"),
    OpDef("prod", "reduction", 1, "numeric or boolean", "custom"),
    OpDef("max", "reduction", 1, "real numeric"),
    OpDef("min", "reduction", 1, "real numeric"),
    OpDef("mean", "reduction", 1, "floating-point"),
    OpDef("var", "reduction", 1, "real floating-point", primitive=False),
    OpDef("std", "reduction", 1, "real floating-point", primitive=False),
    OpDef("all", "reduction", 1, "any", "bool", differentiable=False),
    OpDef("any", "reduction", 1, "any", "bool", differentiable=False),
    OpDef("argmax", "reduction", 1, "real numeric", "index", differentiable=False),
    OpDef("argmin", "reduction", 1, "real numeric", "index", differentiable=False),
    OpDef("count_nonzero", "reduction", 1, "any", "index", differentiable=False, primitive=False),
    OpDef("logsumexp", "reduction", 1, "real floating-point", primitive=False),
    OpDef("cumulative_sum", "scan", 1, "numeric", "custom"),
    OpDef("cumulative_prod", "scan", 1, "numeric", "custom", primitive=False),
    OpDef("diff", "scan", 1, "numeric", primitive=False),
    # ---- linear algebra
    OpDef("matmul", "linalg", 2, "numeric"),
    OpDef("tensordot", "linalg", 2, "numeric", primitive=False),
    OpDef("vecdot", "linalg", 2, "numeric", primitive=False),
    # ---- shape and views
    OpDef("reshape", "shape", 1, "any", view=True),
    OpDef("permute_dims", "shape", 1, "any", view=True),
    OpDef("broadcast_to", "shape", 1, "any", view=True),
    OpDef("expand_dims", "shape", 1, "any", view=True, primitive=False),
    OpDef("squeeze", "shape", 1, "any", view=True, primitive=False),
    OpDef("matrix_transpose", "shape", 1, "any", view=True, primitive=False),
    OpDef("moveaxis", "shape", 1, "any", view=True, primitive=False),
    OpDef("flip", "shape", 1, "any", view=True),
    OpDef("roll", "shape", 1, "any", primitive=False),
    OpDef("concat", "shape", -1, "any", "custom"),
    OpDef("stack", "shape", -1, "any", "custom", primitive=False),
    OpDef("tile", "shape", 1, "any", primitive=False),
    OpDef("repeat", "shape", 1, "any", primitive=False),
    # ---- indexing
    OpDef("getitem", "indexing", 1, "any", view=True),
    OpDef("setitem", "indexing", 2, "any", differentiable=False),
    OpDef("take", "indexing", 2, "any"),
    OpDef("take_along_axis", "indexing", 2, "any", primitive=False),
    OpDef("index_add", "indexing", 2, "numeric"),
    OpDef("nonzero", "search", 1, "any", "index", differentiable=False, nout=-1),
    OpDef("searchsorted", "search", 2, "real numeric", "index", differentiable=False),
    # ---- sorting and sets
    OpDef("sort", "sort", 1, "real numeric"),
    OpDef("argsort", "sort", 1, "real numeric", "index", differentiable=False),
    OpDef("unique_all", "set", 1, "any", "custom", differentiable=False, nout=4),
    OpDef("unique_counts", "set", 1, "any", "custom", differentiable=False, nout=2),
    OpDef("unique_inverse", "set", 1, "any", "custom", differentiable=False, nout=2),
    OpDef("unique_values", "set", 1, "any", differentiable=False),
    # ---- creation
    OpDef("arange", "creation", 0, "real numeric", "custom", differentiable=False),
    OpDef("full", "creation", 0, "any", "custom", differentiable=False),
    OpDef("empty", "creation", 0, "any", "custom", differentiable=False, primitive=False),
    OpDef("zeros", "creation", 0, "any", "custom", differentiable=False, primitive=False),
    OpDef("ones", "creation", 0, "any", "custom", differentiable=False, primitive=False),
    OpDef("eye", "creation", 0, "any", "custom", differentiable=False),
    OpDef("linspace", "creation", 0, "numeric", "custom", differentiable=False),
    OpDef("tril", "creation", 1, "any"),
    OpDef("triu", "creation", 1, "any"),
    OpDef("random_normal", "creation", 0, "real floating-point", "custom", differentiable=False),
    OpDef("random_uniform", "creation", 0, "real floating-point", "custom", differentiable=False),
    OpDef("random_integers", "creation", 0, "integer", "custom", differentiable=False),
]

OPS: dict[str, OpDef] = {op.name: op for op in _TABLE}
assert len(OPS) == len(_TABLE), "duplicate op names in the op table"

PRIMITIVES = frozenset(n for n, op in OPS.items() if op.primitive)


def register_op(op: OpDef) -> None:
    """Add an op to the table (``nr_register_ops`` hooks call this through the plugin manager)."""
    prev = OPS.get(op.name)
    if prev is not None and prev != op:
        raise ValueError(f"op {op.name!r} is already in the op table with a different definition")
    OPS[op.name] = op


# =================================================================================================
# linalg and fft extensions (``nr.linalg``, ``nr.fft``). Factorisations and transforms are kernels of
# the ndarray-module backends; backends without them fall back to the host (see ``decompositions``).
# Composite ops (norms, trace, outer, cross, matrix_power, pinv, matrix_rank, fftshift) are
# decompositions in nr ops that a backend may override.
# =================================================================================================
def _linalg(name, nin, dtypes, result="custom", differentiable=True, primitive=False, nout=1, view=False):
    return OpDef(name, "linalg", nin, dtypes, result, differentiable, primitive, view=view, nout=nout)


def _fft(name, nin, dtypes, result="custom", differentiable=True, kind="fft"):
    return OpDef(name, kind, nin, dtypes, result, differentiable, primitive=False)


_EXTENSIONS = [
    _linalg("cholesky", 1, "floating-point", "same"),
    _linalg("cross", 2, "numeric", "same"),
    _linalg("det", 1, "floating-point", "same"),
    _linalg("diagonal", 1, "any", "same", view=True),
    _linalg("eigh", 1, "floating-point", nout=2),
    _linalg("eigvalsh", 1, "floating-point", "real"),
    _linalg("inv", 1, "floating-point", "same"),
    _linalg("matrix_norm", 1, "floating-point", "real"),
    _linalg("matrix_power", 1, "floating-point", "same"),
    _linalg("matrix_rank", 1, "floating-point", "index", differentiable=False),
    _linalg("outer", 2, "numeric", "same"),
    _linalg("pinv", 1, "floating-point", "same"),
    _linalg("qr", 1, "floating-point", nout=2),
    _linalg("slogdet", 1, "floating-point", nout=2),
    _linalg("solve", 2, "floating-point", "same"),
    _linalg("svd", 1, "floating-point", nout=3),
    _linalg("svdvals", 1, "floating-point", "real"),
    _linalg("trace", 1, "numeric"),
    _linalg("vector_norm", 1, "floating-point", "real"),
    _fft("fft", 1, "complex floating-point", "same"),
    _fft("ifft", 1, "complex floating-point", "same"),
    _fft("fftn", 1, "complex floating-point", "same"),
    _fft("ifftn", 1, "complex floating-point", "same"),
    _fft("rfft", 1, "real floating-point"),
    _fft("irfft", 1, "complex floating-point", "real"),
    _fft("rfftn", 1, "real floating-point"),
    _fft("irfftn", 1, "complex floating-point", "real"),
    _fft("hfft", 1, "complex floating-point", "real"),
    _fft("ihfft", 1, "real floating-point"),
    _fft("fftshift", 1, "any", "same"),
    _fft("ifftshift", 1, "any", "same"),
    _fft("fftfreq", 0, "real floating-point", differentiable=False, kind="creation"),
    _fft("rfftfreq", 0, "real floating-point", differentiable=False, kind="creation"),
]

for _op in _EXTENSIONS:
    register_op(_op)
del _op
