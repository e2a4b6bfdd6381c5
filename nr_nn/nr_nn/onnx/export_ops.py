"""The one mapping table from op-table ops to ONNX (``MAPPING``: op name -> ``Entry``). An op not in it, or
below its ``since`` opset, is traced through its registered decomposition instead; an op with neither is
reported. Each emitter gets the ``Emitter`` and a ``Call`` (input names or Python scalars, symbolic parameters,
shapes and dtypes) and returns one ONNX name per output of the op (None for an output nothing reads)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

import nr_core as nr
from nr_core.trace import Value

from ._deps import onnx, onnx_dtype
from .emit import INT_MAX, Emitter, Unsupported
from .symbolic import Sym

# ops that are one ONNX op each way; the importer reads the same tables backwards
UNARY = {"abs": "Abs", "acos": "Acos", "acosh": "Acosh", "asin": "Asin", "asinh": "Asinh", "atan": "Atan",
         "atanh": "Atanh", "ceil": "Ceil", "cos": "Cos", "cosh": "Cosh", "exp": "Exp", "floor": "Floor",
         "log": "Log", "negative": "Neg", "reciprocal": "Reciprocal", "round": "Round", "sign": "Sign",
         "sin": "Sin", "sinh": "Sinh", "sqrt": "Sqrt", "tan": "Tan", "tanh": "Tanh", "sigmoid": "Sigmoid",
         "relu": "Relu", "erf": "Erf", "isnan": "IsNaN", "isinf": "IsInf", "logical_not": "Not",
         "positive": "Identity"}
BINARY = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "pow": "Pow", "maximum": "Max",
          "minimum": "Min", "equal": "Equal", "greater": "Greater", "greater_equal": "GreaterOrEqual",
          "less": "Less", "less_equal": "LessOrEqual", "logical_and": "And", "logical_or": "Or",
          "logical_xor": "Xor", "matmul": "MatMul"}
REDUCE = {"sum": ("ReduceSum", 13), "mean": ("ReduceMean", 18), "max": ("ReduceMax", 18),
          "min": ("ReduceMin", 18), "prod": ("ReduceProd", 18)}


class Call:
    """What an emitter sees of one traced node."""

    def __init__(self, node, x: list, p: dict, shapes: list, out_shapes: list, live: list, name: Callable):
        self.node, self.x, self.p = node, x, p
        self.shapes, self.out_shapes, self.live, self.name = shapes, out_shapes, live, name

    def dtype(self, i: int = 0):
        v = self.node.inputs[i]
        return v.dtype if isinstance(v, Value) else None

    @property
    def out_dtype(self):
        return self.node.outputs[0].dtype

    def tensor_dtype(self):
        """The dtype the node's array inputs share (what a Python scalar among them is made into)."""
        for v in self.node.inputs:
            if isinstance(v, Value) and (v.dtype.kind != "bool" or self.node.op != "where"):
                return v.dtype
        return self.out_dtype

    def arg(self, e: Emitter, i: int, dtype=None) -> str:
        """Input ``i`` as an ONNX name; a Python scalar becomes a constant of ``dtype`` (default: the node's)."""
        v = self.x[i]
        if isinstance(v, str):
            return v
        return e.scalar(v, dtype or self.tensor_dtype())


@dataclass(frozen=True)
class Entry:
    emit: Callable
    since: int = 13  # the lowest opset this emitter targets


MAPPING: dict[str, Entry] = {}


def op(*names: str, since: int = 13):
    def deco(fn):
        for n in names:
            MAPPING[n] = Entry(fn, since)
        return fn
    return deco


def _static(values, what: str):
    if any(isinstance(v, Sym) for v in values):
        raise Unsupported(f"{what} {tuple(values)} depends on a dynamic axis")
    return [int(v) for v in values]


# ---- elementwise --------------------------------------------------------------------------------
def _unary(onnx_op):
    return lambda e, c: [e.op(onnx_op, [c.arg(e, 0)])]


def _binary(onnx_op):
    return lambda e, c: [e.op(onnx_op, [c.arg(e, 0), c.arg(e, 1)])]


for _nr, _ox in UNARY.items():
    MAPPING[_nr] = Entry(_unary(_ox))
for _nr, _ox in BINARY.items():
    MAPPING[_nr] = Entry(_binary(_ox))


@op("where")
def _where(e, c):
    return [e.op("Where", [c.arg(e, 0, c.dtype(0)), c.arg(e, 1, c.out_dtype), c.arg(e, 2, c.out_dtype)])]


@op("not_equal")
def _not_equal(e, c):
    return [e.op("Not", [e.op("Equal", [c.arg(e, 0), c.arg(e, 1)])])]


@op("isfinite")
def _isfinite(e, c):
    x = c.arg(e, 0)
    if c.dtype(0).kind not in ("float", "complex"):
        return [e.op("Equal", [x, x])]  # integers are always finite
    return [e.op("Not", [e.op("Or", [e.op("IsNaN", [x]), e.op("IsInf", [x])])])]


@op("expm1")
def _expm1(e, c):
    return [e.op("Sub", [e.op("Exp", [c.arg(e, 0)]), e.scalar(1, c.out_dtype)])]


@op("log1p")
def _log1p(e, c):
    return [e.op("Log", [e.op("Add", [c.arg(e, 0), e.scalar(1, c.out_dtype)])])]


@op("log2", "log10")
def _log_base(e, c):
    base = 2.0 if c.node.op == "log2" else 10.0
    return [e.op("Div", [e.op("Log", [c.arg(e, 0)]), e.scalar(math.log(base), c.out_dtype)])]


@op("trunc")
def _trunc(e, c):
    x = c.arg(e, 0)
    if c.dtype(0).kind != "float":
        return [e.op("Identity", [x])]
    neg = e.op("Less", [x, e.scalar(0, c.out_dtype)])
    return [e.op("Where", [neg, e.op("Ceil", [x]), e.op("Floor", [x])])]


@op("remainder", "floor_divide")
def _floor_ops(e, c):
    a, b = c.arg(e, 0), c.arg(e, 1)
    if c.out_dtype.kind != "float":
        r = e.op("Mod", [a, b], fmod=0)  # integer Mod takes the divisor's sign, as Python's % does
        # a - a % b is an exact multiple of b, so ONNX's truncating Div gives the floor quotient
        return [r if c.node.op == "remainder" else e.op("Div", [e.op("Sub", [a, r]), b])]
    q = e.op("Floor", [e.op("Div", [a, b])])
    return [q if c.node.op == "floor_divide" else e.op("Sub", [a, e.op("Mul", [q, b])])]


@op("clip")
def _clip(e, c):
    lo, hi = c.p.get("min"), c.p.get("max")
    dt = c.out_dtype
    return [e.op("Clip", [c.arg(e, 0), "" if lo is None else e.scalar(lo, dt), "" if hi is None else e.scalar(hi, dt)])]


@op("astype")
def _astype(e, c):
    return [e.cast(c.arg(e, 0), c.p["dtype"])]


@op("to_device")
def _to_device(e, c):
    return [e.op("Identity", [c.arg(e, 0)])]


# ---- reductions ---------------------------------------------------------------------------------
@op(*REDUCE)
def _reduce(e, c):
    onnx_op, since = REDUCE[c.node.op]
    x = c.arg(e, 0)
    if c.dtype(0) is not c.out_dtype:
        x = e.cast(x, c.out_dtype)
    axis = c.p.get("axis")
    if axis is not None and len(axis) == 0:
        return [e.op("Identity", [x])]
    return [e.axes_input_or_attr(onnx_op, x, axis, since, keepdims=int(c.p["keepdims"]))]


@op("argmax", "argmin")
def _arg_reduce(e, c):
    onnx_op = "ArgMax" if c.node.op == "argmax" else "ArgMin"
    x, axis, keep = c.arg(e, 0), c.p.get("axis"), c.p["keepdims"]
    if axis is None:
        out = e.op(onnx_op, [e.op("Reshape", [x, e.ints([-1])])], axis=0, keepdims=0)
        if keep:
            out = e.op("Reshape", [out, e.ints([1] * len(c.shapes[0]))])
        return [out]
    return [e.op(onnx_op, [x], axis=int(axis), keepdims=int(keep))]


@op("all", "any")
def _all_any(e, c):
    # over 0/1 integers: all is their minimum, any their maximum
    onnx_op, since = ("ReduceMin", 18) if c.node.op == "all" else ("ReduceMax", 18)
    x = e.cast(e.op("Not", [e.op("Equal", [c.arg(e, 0), e.scalar(0, c.dtype(0))])]), nr.int32)
    axis = c.p.get("axis")
    out = e.axes_input_or_attr(onnx_op, x, axis, since, keepdims=int(c.p["keepdims"]))
    return [e.cast(out, nr.bool)]


@op("cumulative_sum")
def _cumsum(e, c):
    if c.p.get("include_initial"):
        raise Unsupported("cumulative_sum with include_initial=True")
    x = c.arg(e, 0)
    if c.dtype(0) is not c.out_dtype:
        x = e.cast(x, c.out_dtype)
    axis = int(np.asarray(c.p["axis"]).reshape(-1)[0])
    return [e.op("CumSum", [x, e.const(np.array(axis, np.int64))])]


# ---- shapes ---------------------------------------------------------------------------------------
@op("reshape")
def _reshape(e, c):
    shape = list(c.p["shape"])
    syms = [i for i, s in enumerate(shape) if isinstance(s, Sym)]
    if len(syms) == 1 and -1 not in shape:
        shape[syms[0]] = -1  # the one dynamic entry is what Reshape infers
    zero = any(s == 0 for s in shape if not isinstance(s, Sym))
    return [e.op("Reshape", [c.arg(e, 0), e.ints(shape, "shape")], allowzero=1 if zero and e.opset >= 14 else None)]


@op("permute_dims")
def _permute(e, c):
    return [e.op("Transpose", [c.arg(e, 0)], perm=[int(a) for a in c.p["axes"]])]


@op("matrix_transpose")
def _mT(e, c):
    nd = len(c.shapes[0])
    perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    return [e.op("Transpose", [c.arg(e, 0)], perm=perm)]


@op("broadcast_to")
def _broadcast(e, c):
    return [e.op("Expand", [c.arg(e, 0), e.ints(c.p["shape"], "shape")])]


@op("expand_dims")
def _expand_dims(e, c):
    axis = c.p["axis"]
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = len(c.shapes[0]) + len(axes)
    return [e.axes_input_or_attr("Unsqueeze", c.arg(e, 0), [a % nd for a in axes], 13)]


@op("squeeze")
def _squeeze(e, c):
    axis = c.p["axis"]
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = len(c.shapes[0])
    if not axes:
        return [e.op("Identity", [c.arg(e, 0)])]
    return [e.axes_input_or_attr("Squeeze", c.arg(e, 0), [a % nd for a in axes], 13)]


@op("concat")
def _concat(e, c):
    return [e.op("Concat", [c.arg(e, i) for i in range(len(c.x))], axis=int(c.p["axis"]))]


@op("flip")
def _flip(e, c):
    nd = len(c.shapes[0])
    axis = c.p.get("axis")
    axes = list(range(nd)) if axis is None else [a % nd for a in (axis if isinstance(axis, (tuple, list))
                                                                  else (axis,))]
    n = len(axes)
    return [e.op("Slice", [c.arg(e, 0), e.ints([-1] * n), e.ints([-INT_MAX] * n), e.ints(axes), e.ints([-1] * n)])]


@op("tril", "triu")
def _tri(e, c):
    k = e.const(np.array(int(c.p.get("k", 0)), np.int64))
    return [e.op("Trilu", [c.arg(e, 0), k], upper=int(c.node.op == "triu"))]


@op("full")
def _full(e, c):
    dt = c.p["dtype"]
    value = np.asarray(c.p["fill_value"], dtype=np.dtype(dt.numpy)).reshape(1)
    return [e.op("ConstantOfShape", [e.ints(c.p["shape"], "shape")],
                 value=onnx().numpy_helper.from_array(value, "value"))]


# ---- indexing ------------------------------------------------------------------------------------
@op("take")
def _take(e, c):
    return [e.op("Gather", [c.arg(e, 0), c.arg(e, 1)], axis=int(c.p["axis"]))]


@op("take_along_axis")
def _take_along(e, c):
    return [e.op("GatherElements", [c.arg(e, 0), c.arg(e, 1)], axis=int(c.p["axis"]))]


def _full_slice(s: slice) -> bool:
    return s.start in (None, 0) and s.stop is None and s.step in (None, 1)


@op("getitem")
def _getitem(e, c):
    """Basic indexing (ints, slices, None, one Ellipsis) as Slice, Gather and Unsqueeze; one integer index
    array (with slices around it) as Gather."""
    key = c.p["key"]
    parts = list(key) if isinstance(key, tuple) else [key]
    nd = len(c.shapes[0])
    consuming = sum(1 for k in parts if k is not None and k is not Ellipsis)
    if Ellipsis in parts:
        i = parts.index(Ellipsis)
        parts[i:i + 1] = [slice(None)] * (nd - consuming)
    parts += [slice(None)] * (nd - sum(1 for k in parts if k is not None))
    starts, ends, axes, steps, picks, arrays, new_axes = [], [], [], [], [], [], []
    axis = out_pos = 0
    for k in parts:
        if k is None:
            new_axes.append(out_pos)
            out_pos += 1
            continue
        if isinstance(k, slice):
            if not _full_slice(k):
                step = 1 if k.step is None else k.step
                if isinstance(step, Sym):
                    raise Unsupported("a slice step that depends on a dynamic axis")
                starts.append((0 if step > 0 else INT_MAX) if k.start is None else k.start)
                ends.append((INT_MAX if step > 0 else -INT_MAX) if k.stop is None else k.stop)
                axes.append(axis)
                steps.append(step)
            out_pos += 1
        elif isinstance(k, Value):
            if k.dtype.kind == "bool":
                raise Unsupported("boolean-mask indexing (a data-dependent shape)")
            arrays.append((axis, k))
            out_pos += len(k.shape)
        else:
            picks.append((axis, k))
        axis += 1
    if arrays and (len(arrays) > 1 or picks):
        raise Unsupported("indexing with several index arrays, or index arrays mixed with integers")
    x = c.arg(e, 0)
    if axes:
        x = e.op("Slice", [x, e.ints(starts), e.ints(ends), e.ints(axes), e.ints(steps)])
    for ax, i in sorted(picks, reverse=True):  # from the last axis, so earlier axis numbers stay valid
        idx = e.sym(i) if isinstance(i, Sym) else e.const(np.array([i], np.int64))
        x = e.axes_input_or_attr("Squeeze", e.op("Gather", [x, idx], axis=ax), [ax], 13)
    for ax, v in arrays:
        x = e.op("Gather", [x, c.name(v)], axis=ax)
    if new_axes:
        x = e.axes_input_or_attr("Unsqueeze", x, new_axes, 13)
    if x == c.x[0]:
        x = e.op("Identity", [x])
    return [x]


# ---- nn ---------------------------------------------------------------------------------------------
def _pads(padding):
    return [int(lo) for lo, _ in padding] + [int(hi) for _, hi in padding]


@op("conv")
def _conv(e, c):
    p = c.p
    return [e.op("Conv", [c.arg(e, 0), c.arg(e, 1)], strides=list(p["stride"]), pads=_pads(p["padding"]),
                 dilations=list(p["dilation"]), group=int(p["groups"]))]


@op("conv_transpose")
def _conv_transpose(e, c):
    p = c.p
    # nr's (lo, hi) may have hi < 0 (output_padding past the padding): ONNX says it as output_padding
    pads = [int(lo) for lo, _ in p["padding"]] + [max(int(hi), 0) for _, hi in p["padding"]]
    extra = [max(-int(hi), 0) for _, hi in p["padding"]]
    return [e.op("ConvTranspose", [c.arg(e, 0), c.arg(e, 1)], strides=list(p["stride"]), pads=pads,
                 dilations=list(p["dilation"]), group=int(p["groups"]),
                 output_padding=extra if any(extra) else None)]


@op("max_pool")
def _max_pool(e, c):
    if c.live[1]:
        raise Unsupported("max_pool's kernel offsets (return_indices=True)")
    p = c.p
    return [e.op("MaxPool", [c.arg(e, 0)], kernel_shape=list(p["kernel_size"]), strides=list(p["stride"]),
                 pads=_pads(p["padding"]), dilations=list(p["dilation"])), None]


@op("avg_pool")
def _avg_pool(e, c):
    p = c.p
    if p["divisor_override"]:
        raise Unsupported("avg_pool with divisor_override")
    pad, count = tuple(map(tuple, p["padding"])), tuple(map(tuple, p["count_pad"]))
    kernel, stride = list(p["kernel_size"]), list(p["stride"])
    if all(cp == (0, 0) for cp in count):  # padding never counts: nr's explicit pads say it all
        return [e.op("AveragePool", [c.arg(e, 0)], kernel_shape=kernel, strides=stride, pads=_pads(pad),
                     count_include_pad=0)]
    if any(lo != clo or clo != chi for (lo, _), (clo, chi) in zip(pad, count)):
        raise Unsupported(f"avg_pool counting padding {count} of {pad}")
    # counted symmetric padding; nr's hi also holds the ceil-mode overhang (not counted) or a shortfall:
    # ONNX pads symmetrically and takes the overhang through ceil_mode, so check it lands on nr's output size
    sizes = c.shapes[0][2:]
    ceil = any(hi > lo for lo, hi in pad)
    for n, k, s, (lo, _), out in zip(sizes, kernel, stride, pad, c.out_shapes[0][2:]):
        if isinstance(n, Sym) or isinstance(out, Sym):
            raise Unsupported("avg_pool counting padding over a dynamic spatial axis")
        span = n + 2 * lo - k
        if (-(-span // s) if ceil else span // s) + 1 != out:
            raise Unsupported(f"avg_pool with padding {pad}: ONNX's output size differs from nr's")
    return [e.op("AveragePool", [c.arg(e, 0)], kernel_shape=kernel, strides=stride,
                 pads=[lo for lo, _ in pad] * 2, count_include_pad=1, ceil_mode=int(ceil))]


@op("softmax")
def _softmax(e, c):
    return [e.op("Softmax", [c.arg(e, 0)], axis=int(c.p["axis"]))]


@op("log_softmax")
def _log_softmax(e, c):
    return [e.op("LogSoftmax", [c.arg(e, 0)], axis=int(c.p["axis"]))]


@op("layer_norm", since=17)
def _layer_norm(e, c):
    nd = int(c.p["ndim"])
    norm_shape = _static(c.shapes[0][-nd:], "layer_norm's normalized shape")
    scale = e.const(np.ones(norm_shape, dtype=np.dtype(c.out_dtype.numpy)), "ones")
    return [e.op("LayerNormalization", [c.arg(e, 0), scale], axis=-nd, epsilon=float(c.p["eps"]))]


# ---- random draws (a graph that samples: noise layers, reparameterisation) -------------------------
@op("random_normal", "random_uniform")
def _random(e, c):
    p, dt = c.p, c.p["dtype"]
    normal = c.node.op == "random_normal"
    attrs = {"mean": float(p["mean"]), "scale": float(p["std"])} if normal else \
        {"low": float(p["low"]), "high": float(p["high"])}
    shape = list(p["shape"])
    if any(isinstance(s, Sym) for s in shape):  # the *Like form takes its shape from a tensor
        zero = np.zeros(1, dtype=np.dtype(dt.numpy))
        like = e.op("ConstantOfShape", [e.ints(shape, "shape")], value=onnx().numpy_helper.from_array(zero, "value"))
        return [e.op("RandomNormalLike" if normal else "RandomUniformLike", [like], dtype=onnx_dtype(dt), **attrs)]
    return [e.op("RandomNormal" if normal else "RandomUniform", [], shape=[int(s) for s in shape],
                 dtype=onnx_dtype(dt), **attrs)]
