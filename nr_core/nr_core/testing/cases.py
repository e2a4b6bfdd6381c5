"""Sample inputs per op of the op table, each with its NumPy reference (in the spirit of PyTorch's OpInfo).

``samples_for(op_name, dtypes)`` yields ``Sample`` objects: host inputs, keyword params, how to call the op
through the public namespace and how NumPy computes the expected result. Plugins that add ops hand
their own generators to ``register(..., samples=fn)`` and they are found here too.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

import nr_core as nr
from nr_core import dtypes as _d
from nr_core.optable import OPS


@dataclass
class Sample:
    """One call of an op. ``args`` hold numpy arrays (moved to the device under test) or Python scalars."""

    op: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    call: Callable[..., Any] | None = None  # (*nr_args, **kwargs) -> nr result; default nr.<op>
    ref: Callable[..., Any] | None = None  # (*np_args, **kwargs) -> numpy result; default np.<op>
    label: str = ""
    grad: bool = True  # smooth, finite inputs: usable for gradient checks
    rtol: float | None = None
    atol: float | None = None
    check_dtype: bool = True

    def __repr__(self) -> str:
        shapes = ",".join(str(a.shape) if isinstance(a, np.ndarray) else repr(a) for a in self.args)
        dts = ",".join(str(a.dtype) for a in self.args if isinstance(a, np.ndarray))
        return f"{self.op}[{self.label}]({shapes}; {dts}; {self.kwargs})"

    def nr_call(self, *args):
        return (self.call or getattr(nr, self.op))(*args, **self.kwargs)

    def np_call(self, *args):
        fn = self.ref or getattr(np, self.op)
        with np.errstate(all="ignore"):
            return fn(*args, **self.kwargs)


_GENERATORS: dict[str, Callable[[frozenset], Iterator[Sample]]] = {}


def generates(*names: str):
    def deco(fn):
        for n in names:
            _GENERATORS[n] = fn
        return fn
    return deco


def samples_for(op_name: str, dtypes: frozenset) -> list[Sample]:
    """Every sample of ``op_name`` restricted to ``dtypes`` (the device's supported dtypes)."""
    from nr_core.plugins import REGISTRY
    gen = _GENERATORS.get(op_name) or REGISTRY.samples.get(op_name)
    if gen is None:
        return []
    return list(gen(op_name, dtypes))


def has_samples(op_name: str) -> bool:
    from nr_core.plugins import REGISTRY
    return op_name in _GENERATORS or op_name in REGISTRY.samples


# ---- value generation ---------------------------------------------------------------------------
def _rng(*key) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def values(shape, dtype: _d.DType, low=-3.0, high=3.0, key=()) -> np.ndarray:
    """Deterministic values of ``dtype`` in [low, high] (ints: small; uints: non-negative)."""
    return np.asarray(_values(shape, dtype, low, high, key))


def _values(shape, dtype, low, high, key):
    rng = _rng(shape, dtype.name, low, high, *key)
    k = dtype.kind
    if k == "bool":
        return rng.random(shape) > 0.5
    if k in ("int", "uint"):
        lo = 0 if k == "uint" else max(int(math.floor(low)), -5)
        hi = min(int(math.ceil(high)), 9) if high > lo else lo + 5
        return rng.integers(lo, max(hi, lo + 1) + 1, shape).astype(dtype.numpy)
    x = rng.uniform(low, high, shape)
    if k == "complex":
        x = x + 1j * rng.uniform(low, high, shape)
    return x.astype(dtype.numpy)


def specials(dtype: _d.DType) -> np.ndarray:
    """NaN, infinities, signed zeros and ordinary values of a floating dtype."""
    base = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 1e-30, 3.0])
    if dtype.kind == "complex":
        out = np.empty(base.shape, dtype.numpy)
        out.real, out.imag = base, [1.0, 0.0, np.nan, -0.0, 0.0, np.inf, 1.0, -1.0, 0.0, 2.0, 0.0, -3.0]
        return out
    return base.astype(dtype.numpy)


def _floats(dtypes):
    return [d for d in (_d.float32, _d.float64) if d in dtypes]


def _accepted(op_name, dtypes):
    return [d for d in _d.ALL_DTYPES if d in OPS[op_name].accepts and d in dtypes]


# ---- elementwise ---------------------------------------------------------------------------------
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


def _compute_dtype(op, dt):
    from nr_core.dispatch import COMPUTE
    return COMPUTE[op.result].get(dt, dt)


@generates(*[n for n, o in OPS.items() if o.kind == "elementwise" and o.nin == 1 and n != "clip"])
def _unary(name, dtypes):
    op = OPS[name]
    low, high = _DOMAIN.get(name, (-3.0, 3.0))
    ref = _REFS.get(name) or getattr(np, name)
    for dt in _accepted(name, dtypes):
        cdt = _compute_dtype(op, dt)
        r = _cast_ref(ref, cdt) if cdt is not dt else ref
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


@generates(*[n for n, o in OPS.items() if o.kind == "elementwise" and o.nin == 2])
def _binary(name, dtypes):
    op = OPS[name]
    ref = getattr(np, name)
    (l1, h1), (l2, h2) = _BINARY_DOMAIN.get(name, ((-3.0, 3.0), (-3.0, 3.0)))
    for dt in _accepted(name, dtypes):
        cdt = _compute_dtype(op, dt)
        r = _cast_ref(ref, cdt) if cdt is not dt else ref
        smooth = dt.kind in ("float", "complex")
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
            yield Sample(name, (x1, x2), ref=r, label=f"{label}-{dt.name}", grad=smooth and label != "empty")
        if dt.kind in ("float", "complex") and name not in ("pow", "floor_divide"):
            s = specials(dt)
            yield Sample(name, (s, s[::-1].copy()), ref=r, label=f"specials-{dt.name}", grad=False)
        if dt.kind != "bool":
            scalar = 2 if dt.kind in ("int", "uint") else 1.5
            x1 = _int_operands(name, (3,), (3,), dt)[0] if dt.kind in ("int", "uint") else values((3,), dt, l1 + 0.5 if l1 >= 0 else l1, h1)
            yield Sample(name, (x1, scalar), ref=r, label=f"scalar-{dt.name}", grad=smooth)


@generates("where")
def _where(name, dtypes):
    for dt in _accepted(name, dtypes):
        cond = values((3, 4), _d.bool, key=("cond",))
        yield Sample(name, (cond, values((3, 4), dt, key=(1,)), values((1, 4), dt, key=(2,))), label=dt.name,
                     grad=dt.kind in ("float", "complex"))
        yield Sample(name, (cond, values((3, 4), dt, key=(1,)), values((), dt, key=(2,))), label=f"0d-{dt.name}",
                     grad=dt.kind in ("float", "complex"))


@generates("clip")
def _clip(name, dtypes):
    for dt in _accepted(name, dtypes):
        x = values((4, 5), dt)
        yield Sample(name, (x,), {"min": -1, "max": 2}, ref=np.clip, label=f"both-{dt.name}",
                     grad=dt.kind == "float")
        yield Sample(name, (x,), {"min": 0}, ref=lambda a, min, _dt=dt: np.maximum(a, _dt.numpy.type(min)),
                     label=f"min-{dt.name}", grad=dt.kind == "float")


# ---- casts and transfers -----------------------------------------------------------------------
@generates("astype")
def _astype(name, dtypes):
    for src in dtypes:
        for dst in dtypes:
            if src.kind == "complex" and dst.kind != "complex":
                continue
            x = values((2, 3), src, -2.0, 3.0)
            yield Sample(name, (x,), call=lambda a, _t=dst: nr.astype(a, _t),
                         ref=lambda a, _t=dst: a.astype(_t.numpy), label=f"{src.name}->{dst.name}",
                         grad=src.kind == "float" and dst is _d.float64)  # float32 outputs are too coarse for it


@generates("to_host")
def _to_host(name, dtypes):
    for dt in dtypes:
        yield Sample(name, (values((2, 3), dt),), call=lambda a: a.numpy(), ref=lambda a: a, label=dt.name,
                     grad=False)


@generates("to_device")
def _to_device(name, dtypes):
    for dt in _floats(dtypes):
        yield Sample(name, (values((2, 3), dt),), call=lambda a: a.to_device("cpu").to_device(a.device),
                     ref=lambda a: a, label=dt.name)


# ---- reductions and scans --------------------------------------------------------------------
_AXES = [None, 0, -1, (0, 2)]


def _reduction_ref(name):
    def ref(x, axis=None, keepdims=False, **kw):
        if name == "logsumexp":
            m = np.max(x, axis=axis, keepdims=True)
            out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
            return out if keepdims else np.squeeze(out, axis=axis)
        fn = getattr(np, name)
        if name in ("var", "std"):
            return fn(x, axis=axis, keepdims=keepdims, ddof=kw.get("correction", 0.0))
        return fn(x, axis=axis, keepdims=keepdims)
    return ref


@generates("sum", "prod", "max", "min", "mean", "var", "std", "all", "any", "logsumexp", "count_nonzero")
def _reductions(name, dtypes):
    for dt in _accepted(name, dtypes):
        low, high = (0.5, 1.5) if name == "prod" else (-3.0, 3.0)
        x = values((3, 4, 5), dt, low, high)
        smooth = dt.kind in ("float", "complex")
        for axis in _AXES:
            for keepdims in (False, True):
                kw = {"axis": axis, "keepdims": keepdims}
                if name in ("var", "std"):
                    kw["correction"] = 1.0 if keepdims else 0.0
                yield Sample(name, (x,), kw, ref=_reduction_ref(name), label=f"{axis}-{keepdims}-{dt.name}",
                             grad=smooth, check_dtype=name not in ("sum", "prod"))
        yield Sample(name, (values((), dt),), ref=_reduction_ref(name), label=f"0d-{dt.name}", grad=smooth,
                     check_dtype=name not in ("sum", "prod"))
        if name in ("sum", "prod", "all", "any", "count_nonzero"):
            yield Sample(name, (values((0, 3), dt),), {"axis": 0}, ref=_reduction_ref(name),
                         label=f"empty-{dt.name}", grad=False, check_dtype=False)
        if dt.kind == "float" and name in ("max", "min", "sum", "mean"):
            yield Sample(name, (specials(dt),), ref=_reduction_ref(name), label=f"specials-{dt.name}", grad=False)


@generates("argmax", "argmin")
def _argreductions(name, dtypes):
    for dt in _accepted(name, dtypes):
        x = values((3, 4, 5), dt)
        for axis in (None, 0, -1):
            for keepdims in (False, True):
                yield Sample(name, (x,), {"axis": axis, "keepdims": keepdims}, label=f"{axis}-{keepdims}-{dt.name}",
                             grad=False)


@generates("cumulative_sum", "cumulative_prod")
def _scans(name, dtypes):
    base = {"cumulative_sum": np.cumsum, "cumulative_prod": np.cumprod}[name]

    def ref(x, axis=None, include_initial=False):
        out = base(x, axis=axis)
        if include_initial:
            shape = list(out.shape)
            shape[axis] = 1
            out = np.concatenate([np.full(shape, 0 if name == "cumulative_sum" else 1, out.dtype), out], axis=axis)
        return out
    for dt in _accepted(name, dtypes):
        x = values((3, 4), dt, 0.5 if name == "cumulative_prod" else -3.0, 1.5 if name == "cumulative_prod" else 3.0)
        for axis in (0, 1):
            for inc in (False, True):
                yield Sample(name, (x,), {"axis": axis, "include_initial": inc}, ref=ref,
                             label=f"{axis}-{inc}-{dt.name}", grad=dt.kind in ("float", "complex"),
                             check_dtype=False)


@generates("diff")
def _diff(name, dtypes):
    for dt in _accepted(name, dtypes):
        x = values((4, 5), dt)
        for axis, n in ((-1, 1), (0, 2)):
            yield Sample(name, (x,), {"axis": axis, "n": n}, label=f"{axis}-{n}-{dt.name}",
                         grad=dt.kind in ("float", "complex"))


# ---- linear algebra (main namespace) ---------------------------------------------------------
@generates("matmul")
def _matmul(name, dtypes):
    for dt in _accepted(name, dtypes):
        if dt.kind in ("int", "uint") and dt.itemsize < 4:
            continue
        smooth = dt.kind in ("float", "complex")
        for label, s1, s2 in (("2d", (3, 4), (4, 5)), ("batched", (2, 3, 4), (4, 2)), ("vec-mat", (4,), (4, 3)),
                              ("mat-vec", (3, 4), (4,)), ("bcast", (2, 1, 3, 4), (3, 4, 2)),
                              ("empty-k", (3, 0), (0, 2))):
            yield Sample(name, (values(s1, dt, key=(1,)), values(s2, dt, key=(2,))), label=f"{label}-{dt.name}",
                         grad=smooth and label != "empty-k", rtol=1e-4 if dt is _d.float32 else None)


@generates("tensordot")
def _tensordot(name, dtypes):
    for dt in _floats(dtypes):
        a, b = values((3, 4, 5), dt, key=(1,)), values((4, 5, 2), dt, key=(2,))
        yield Sample(name, (a, b), {"axes": 2}, label=f"2-{dt.name}", rtol=1e-4)
        yield Sample(name, (a, values((5, 3), dt)), {"axes": ((2, 0), (0, 1))}, label=f"pairs-{dt.name}", rtol=1e-4)


@generates("vecdot")
def _vecdot(name, dtypes):
    for dt in [d for d in _accepted(name, dtypes) if d.kind in ("float", "complex")]:
        yield Sample(name, (values((3, 4), dt, key=(1,)), values((4,), dt, key=(2,))), label=dt.name,
                     ref=lambda a, b: np.sum(np.conj(a) * b, axis=-1))
        yield Sample(name, (values((3, 4), dt, key=(1,)), values((3, 4), dt, key=(2,))), {"axis": 0},
                     label=f"axis0-{dt.name}", ref=lambda a, b, axis: np.sum(np.conj(a) * b, axis=axis))


# ---- shape -------------------------------------------------------------------------------------
def _all_dtypes_once(dtypes):
    """One float, one int and bool: shape ops are dtype-blind, so fewer dtypes suffice."""
    return [d for d in (_d.float32, _d.float64, _d.int32, _d.uint8, _d.bool, _d.complex64) if d in dtypes]


def _shape_samples(name, dtypes, cases, ref=None):
    for dt in _all_dtypes_once(dtypes):
        for label, shape, kw in cases:
            yield Sample(name, (values(shape, dt),), kw, ref=ref, label=f"{label}-{dt.name}",
                         grad=dt.kind in ("float", "complex"))


@generates("reshape")
def _reshape(name, dtypes):
    return _shape_samples(name, dtypes, [("basic", (3, 4), {"shape": (4, 3)}), ("infer", (2, 3, 4), {"shape": (-1, 4)}),
                                         ("to0d", (1,), {"shape": ()}), ("empty", (0, 4), {"shape": (4, 0)})],
                          ref=lambda x, shape: np.reshape(x, shape))


@generates("permute_dims")
def _permute(name, dtypes):
    return _shape_samples(name, dtypes, [("3d", (2, 3, 4), {"axes": (2, 0, 1)}), ("2d", (3, 4), {"axes": (1, 0)})])


@generates("broadcast_to")
def _bto(name, dtypes):
    return _shape_samples(name, dtypes, [("row", (1, 4), {"shape": (3, 4)}), ("lead", (4,), {"shape": (2, 3, 4)})])


@generates("expand_dims")
def _expand(name, dtypes):
    return _shape_samples(name, dtypes, [("front", (3, 4), {"axis": 0}), ("back", (3, 4), {"axis": -1})])


@generates("squeeze")
def _squeeze(name, dtypes):
    return _shape_samples(name, dtypes, [("one", (3, 1, 4), {"axis": 1}), ("two", (1, 3, 1), {"axis": (0, 2)})])


@generates("matrix_transpose")
def _mt(name, dtypes):
    return _shape_samples(name, dtypes, [("2d", (3, 4), {}), ("3d", (2, 3, 4), {})])


@generates("moveaxis")
def _moveaxis(name, dtypes):
    for dt in _all_dtypes_once(dtypes):
        for src, dst in ((0, -1), ((0, 1), (2, 0))):
            yield Sample(name, (values((2, 3, 4), dt),), call=lambda a, s=src, d=dst: nr.moveaxis(a, s, d),
                         ref=lambda a, s=src, d=dst: np.moveaxis(a, s, d), label=f"{src}-{dt.name}",
                         grad=dt.kind in ("float", "complex"))


@generates("flip")
def _flip(name, dtypes):
    return _shape_samples(name, dtypes, [("all", (3, 4), {}), ("axis", (3, 4), {"axis": 1}),
                                         ("axes", (2, 3, 4), {"axis": (0, 2)})])


@generates("roll")
def _roll(name, dtypes):
    return _shape_samples(name, dtypes, [("flat", (3, 4), {"shift": 5}), ("axis", (3, 4), {"shift": -1, "axis": 1}),
                                         ("axes", (3, 4), {"shift": (1, 2), "axis": (0, 1)})])


@generates("tile")
def _tile(name, dtypes):
    return _shape_samples(name, dtypes, [("2d", (2, 3), {"repetitions": (2, 2)}),
                                         ("grow", (3,), {"repetitions": (2, 1, 2)})],
                          ref=lambda x, repetitions: np.tile(x, repetitions))


@generates("repeat")
def _repeat(name, dtypes):
    for dt in _all_dtypes_once(dtypes):
        for label, repeats, axis in (("flat", 2, None), ("axis", 3, 1), ("counts", np.array([1, 0, 2]), 1)):
            yield Sample(name, (values((2, 3), dt),), call=lambda a, r=repeats, ax=axis: nr.repeat(a, r, axis=ax),
                         ref=lambda a, r=repeats, ax=axis: np.repeat(a, r, axis=ax), label=f"{label}-{dt.name}",
                         grad=dt.kind in ("float", "complex"))


@generates("concat", "stack")
def _join(name, dtypes):
    ref = {"concat": lambda *xs, axis: np.concatenate(xs, axis=axis), "stack": lambda *xs, axis: np.stack(xs, axis=axis)}
    for dt in _all_dtypes_once(dtypes):
        fn = getattr(nr, name)
        for axis in (0, 1, -1):
            xs = (values((2, 3), dt, key=(1,)), values((2, 3), dt, key=(2,)), values((2, 3), dt, key=(3,)))
            yield Sample(name, xs, {"axis": axis}, call=lambda *a, axis, _f=fn: _f(list(a), axis=axis),
                         ref=ref[name], label=f"{axis}-{dt.name}", grad=dt.kind in ("float", "complex"))


# ---- indexing ----------------------------------------------------------------------------------
_KEYS = [
    ("int", 1), ("slice", slice(1, 3)), ("step", (slice(None, None, 2), slice(None, None, -1))),
    ("ellipsis", (Ellipsis, 0)), ("newaxis", (None, slice(None), 1)), ("neg", (-1, -2)),
    ("intarray", np.array([0, 2, 2], dtype=np.int64)), ("intarray2d", (np.array([0, 2]), np.array([1, 3]))),
    ("mask", "mask"),
]


@generates("getitem")
def _getitem(name, dtypes):
    for dt in _all_dtypes_once(dtypes):
        x = values((3, 4), dt)
        for label, key in _KEYS:
            if label == "mask":
                mask = values((3, 4), _d.bool, key=("mask",))
                yield Sample(name, (x, mask), call=lambda a, m: a[m], ref=lambda a, m: a[m], label=f"{label}-{dt.name}",
                             grad=dt.kind in ("float", "complex"))
                continue
            arrays = key if isinstance(key, tuple) else (key,)
            if any(isinstance(k, np.ndarray) for k in arrays):
                yield Sample(name, (x,) + tuple(k for k in arrays), call=_array_key_call(arrays),
                             ref=_array_key_ref(arrays), label=f"{label}-{dt.name}", grad=dt.kind in ("float", "complex"))
            else:
                yield Sample(name, (x,), call=lambda a, _k=key: a[_k], ref=lambda a, _k=key: a[_k],
                             label=f"{label}-{dt.name}", grad=dt.kind in ("float", "complex"))


def _array_key_call(parts):
    def call(a, *arrays):
        it = iter(arrays)
        return a[tuple(next(it) if isinstance(k, np.ndarray) else k for k in parts)]
    return call


_array_key_ref = _array_key_call


@generates("setitem")
def _setitem(name, dtypes):
    def call(key):
        def fn(a, v):
            out = nr.asarray(a, copy=True)
            out[key] = v
            return out
        return fn

    def ref(key):
        def fn(a, v):
            out = a.copy()
            out[key] = v
            return out
        return fn
    for dt in _all_dtypes_once(dtypes):
        x = values((3, 4), dt)
        yield Sample(name, (x, values((4,), dt, key=(9,))), call=call(1), ref=ref(1), label=f"row-{dt.name}", grad=False)
        yield Sample(name, (x, values((3, 2), dt, key=(8,))), call=call((slice(None), slice(1, 3))),
                     ref=ref((slice(None), slice(1, 3))), label=f"block-{dt.name}", grad=False)
        yield Sample(name, (x, values((), dt, key=(7,))), call=call(Ellipsis), ref=ref(Ellipsis),
                     label=f"fill-{dt.name}", grad=False)


@generates("take")
def _take(name, dtypes):
    idx = np.array([2, 0, 2, 1], dtype=np.int64)
    for dt in _all_dtypes_once(dtypes):
        yield Sample(name, (values((3, 4), dt), idx), {"axis": 0}, label=f"0-{dt.name}",
                     grad=dt.kind in ("float", "complex"))
        yield Sample(name, (values((3, 4), dt), idx[:3]), {"axis": 1}, label=f"1-{dt.name}",
                     grad=dt.kind in ("float", "complex"))
        yield Sample(name, (values((5,), dt), idx), label=f"1d-{dt.name}", grad=dt.kind in ("float", "complex"))


@generates("take_along_axis")
def _take_along(name, dtypes):
    idx = np.array([[0, 2, 1, 1], [2, 2, 0, 1], [1, 0, 0, 2]], dtype=np.int64)
    for dt in _all_dtypes_once(dtypes):
        yield Sample(name, (values((3, 4), dt), idx), {"axis": 0}, label=f"0-{dt.name}",
                     grad=dt.kind in ("float", "complex"))
        yield Sample(name, (values((3, 4), dt), idx[:, :3] % 4), {"axis": 1}, label=f"1-{dt.name}",
                     grad=dt.kind in ("float", "complex"))


@generates("index_add")
def _index_add(name, dtypes):
    from nr_core.dispatch import apply

    def call(base, values_, key):
        return apply(OPS["index_add"], (base, values_), {"key": (key,)}, base.dtype, {"key": (key._data,)})

    def ref(base, values_, key):
        out = base.copy()
        np.add.at(out, (key,), values_)
        return out
    key = np.array([0, 2, 0], dtype=np.int64)
    for dt in [d for d in _accepted(name, dtypes) if d.kind != "complex"]:
        yield Sample(name, (values((3, 4), dt), values((3, 4), dt, key=(2,)), key), call=call, ref=ref,
                     label=dt.name)


@generates("nonzero")
def _nonzero(name, dtypes):
    for dt in _all_dtypes_once(dtypes):
        x = values((3, 4), dt, -1, 1)
        yield Sample(name, (x,), call=lambda a: nr.stack(list(nr.nonzero(a))),
                     ref=lambda a: np.stack(np.nonzero(a)).astype(np.int64), label=dt.name, grad=False)


@generates("searchsorted")
def _searchsorted(name, dtypes):
    for dt in [d for d in _accepted(name, dtypes) if d.kind != "bool"]:
        s = np.sort(values((8,), dt, key=(1,)))
        q = values((3, 2), dt, key=(2,))
        for side in ("left", "right"):
            yield Sample(name, (s, q), {"side": side}, label=f"{side}-{dt.name}", grad=False)


# ---- sorting and sets --------------------------------------------------------------------------
@generates("sort", "argsort")
def _sorts(name, dtypes):
    def ref(x, axis=-1, descending=False, stable=True):
        if not descending:
            idx = np.argsort(x, axis=axis, kind="stable")
        else:
            n = x.shape[axis]
            idx = n - 1 - np.flip(np.argsort(np.flip(x, axis=axis), axis=axis, kind="stable"), axis=axis)
        return idx if name == "argsort" else np.take_along_axis(x, idx, axis=axis)
    for dt in _accepted(name, dtypes):
        x = values((4, 6), dt, key=("sort",))
        x[0, :3] = x[0, 3:]  # ties: stability matters
        for axis in (-1, 0):
            for desc in (False, True):
                yield Sample(name, (x,), {"axis": axis, "descending": desc}, ref=ref, label=f"{axis}-{desc}-{dt.name}",
                             grad=False)
        if dt.kind == "float":
            yield Sample(name, (values((4, 6), dt, key=("g",)),), ref=ref, label=f"distinct-{dt.name}")


@generates("unique_values", "unique_counts", "unique_inverse", "unique_all")
def _uniques(name, dtypes):
    flags = {"unique_values": {}, "unique_counts": {"return_counts": True},
             "unique_inverse": {"return_inverse": True},
             "unique_all": {"return_index": True, "return_inverse": True, "return_counts": True}}[name]

    def ref(x):
        out = np.unique(x.reshape(-1), **flags)
        if name == "unique_values":
            return out
        out = list(out)
        if "return_inverse" in flags:
            i = 2 if name == "unique_all" else 1
            out[i] = out[i].reshape(x.shape)
        return tuple(out)

    def call(a):
        r = getattr(nr, name)(a)
        return r if name == "unique_values" else tuple(r)
    for dt in [d for d in _all_dtypes_once(dtypes) if d.kind != "complex"]:
        yield Sample(name, (values((3, 4), dt, -2, 2),), call=call, ref=ref, label=dt.name, grad=False,
                     check_dtype=False)


# ---- creation ----------------------------------------------------------------------------------
def _creation_sample(name, label, call, ref, check_dtype=True):
    return Sample(name, (), call=call, ref=ref, label=label, grad=False, check_dtype=check_dtype)


@generates("arange", "full", "zeros", "ones", "empty", "eye", "linspace")
def _creation(name, dtypes):
    dev = _DEVICE[0]
    for dt in dtypes:
        if name == "arange" and dt.kind in ("bool", "complex"):
            continue
        if name == "linspace" and dt.kind not in ("float", "complex"):
            continue
        if name == "arange":
            yield _creation_sample(name, dt.name, lambda dt=dt: nr.arange(1, 9, 2, dtype=dt, device=dev),
                                   lambda dt=dt: np.arange(1, 9, 2, dtype=dt.numpy))
        elif name == "full":
            yield _creation_sample(name, dt.name, lambda dt=dt: nr.full((2, 3), 1, dtype=dt, device=dev),
                                   lambda dt=dt: np.full((2, 3), 1, dtype=dt.numpy))
        elif name in ("zeros", "ones"):
            yield _creation_sample(name, dt.name, lambda dt=dt: getattr(nr, name)((2, 0, 3), dtype=dt, device=dev),
                                   lambda dt=dt: getattr(np, name)((2, 0, 3), dtype=dt.numpy))
            yield _creation_sample(name, f"3d-{dt.name}", lambda dt=dt: getattr(nr, name)((2, 1, 3), dtype=dt, device=dev),
                                   lambda dt=dt: getattr(np, name)((2, 1, 3), dtype=dt.numpy))
        elif name == "empty":
            yield _creation_sample(name, dt.name, lambda dt=dt: nr.empty((2, 3), dtype=dt, device=dev) * 0 if dt.kind != "bool"
                                   else nr.zeros((2, 3), dtype=dt, device=dev),
                                   lambda dt=dt: np.zeros((2, 3), dtype=dt.numpy))
        elif name == "eye":
            yield _creation_sample(name, dt.name, lambda dt=dt: nr.eye(3, 4, k=1, dtype=dt, device=dev),
                                   lambda dt=dt: np.eye(3, 4, k=1, dtype=dt.numpy))
        elif name == "linspace":
            yield _creation_sample(name, dt.name, lambda dt=dt: nr.linspace(0, 1, 5, dtype=dt, device=dev),
                                   lambda dt=dt: np.linspace(0, 1, 5, dtype=dt.numpy))


@generates("tril", "triu")
def _tri(name, dtypes):
    for dt in _all_dtypes_once(dtypes):
        for k in (0, 1, -1):
            yield Sample(name, (values((4, 5), dt),), {"k": k}, label=f"{k}-{dt.name}",
                         grad=dt.kind in ("float", "complex"))


@generates("random_normal", "random_uniform", "random_integers")
def _random(name, dtypes):
    """Statistical checks: 20,000 draws have the right mean and spread, and a seed repeats them."""
    dev = _DEVICE[0]

    def draw(seed):
        nr.random.seed(seed)
        if name == "random_normal":
            return nr.random.normal((20000,), 1.0, 2.0, device=dev)
        if name == "random_uniform":
            return nr.random.uniform((20000,), -1.0, 3.0, device=dev)
        return nr.random.randint(0, 10, (20000,), device=dev)

    def call():
        a, b = draw(0), draw(0)
        x = nr.astype(a, nr.float64 if nr.float64 in dtypes else nr.float32)
        return nr.stack([nr.mean(x), nr.std(x), nr.astype(nr.all(a == b), x.dtype)])

    expected = {"random_normal": (1.0, 2.0), "random_uniform": (1.0, 4 / math.sqrt(12)),
                "random_integers": (4.5, math.sqrt(99 / 12))}[name]
    yield Sample(name, (), call=call, ref=lambda: np.array([*expected, 1.0]), label="moments", grad=False,
                 rtol=0.05, atol=0.05, check_dtype=False)


# the device under test, set by the pytest plugin before samples are drawn
_DEVICE = ["cpu"]


from . import cases_linalg  # noqa: E402,F401  (registers the linalg/fft samples)
