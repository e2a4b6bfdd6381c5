"""ONNX ops in nr ops (``IMPL``: ONNX op type -> ``fn(ctx, attrs, *inputs)``), so an imported model runs on any
backend and every float initializer can be trained through autograd. Shape-like inputs (``Reshape``'s shape,
``Slice``'s bounds …) are read to the host, as eager execution needs them. Missing optional inputs are None."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr
from nr_core import dtypes as _d

from .. import functional as F
from ..ops import _grid
from ..ops import conv as _conv
from ..ops import normalization as _norm
from ..ops import pooling as _pool
from ..ops import softmax as _sm
from ..ops.rnn import lstm_cell
from ..ops.special import erf
from ._deps import numpy_dtype
from .export_ops import BINARY, UNARY

IMPL: dict = {}


class Ctx:
    """What an op sees besides its inputs: the opset, the device, how many outputs are wanted, and how to run a
    subgraph (``If``/``Loop`` bodies) with the enclosing values in scope."""

    def __init__(self, opset: int, device, n_out: int, run_graph) -> None:
        self.opset, self.device, self.n_out, self.run_graph = opset, device, n_out, run_graph

    def array(self, values, dtype=None):
        return nr.asarray(np.asarray(values), dtype=dtype, device=self.device)


def impl(*names):
    def deco(fn):
        for n in names:
            IMPL[n] = fn
        return fn
    return deco


def nr_dtype(elem_type: int):
    return _d.from_numpy_dtype(numpy_dtype(elem_type))


def ints(t) -> list[int] | None:
    if t is None:
        return None
    return [int(v) for v in np.asarray(t.tolist()).reshape(-1)]


def _scalar(t):
    return np.asarray(t.tolist()).reshape(-1)[0].item()


# ---- elementwise --------------------------------------------------------------------------------
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


# ---- activations ----------------------------------------------------------------------------------
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


# ---- constants and shapes --------------------------------------------------------------------------
@impl("Constant")
def _constant(ctx, a):
    for key in ("value", "sparse_value"):
        if key in a:
            if key == "sparse_value":
                raise ValueError("Constant: sparse_value is not supported")
            return ctx.array(a[key])
    for key, dt in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64),
                    ("value_ints", np.int64)):
        if key in a:
            return ctx.array(np.asarray(a[key], dtype=dt))
    raise ValueError("Constant: no value attribute (value, value_float(s), value_int(s))")


@impl("ConstantOfShape")
def _constant_of_shape(ctx, a, shape):
    value = a.get("value")
    value = np.zeros(1, np.float32) if value is None else np.asarray(value).reshape(-1)
    return nr.full(tuple(ints(shape)), value[0].item(), dtype=_d.from_numpy_dtype(value.dtype), device=ctx.device)


@impl("Shape")
def _shape(ctx, a, x):
    shape = list(x.shape)
    start, end = a.get("start", 0), a.get("end")
    return ctx.array(np.array(shape[slice(start, end)], np.int64))


@impl("Size")
def _size(ctx, a, x):
    return ctx.array(np.array(x.size, np.int64))


@impl("Identity")
def _identity(ctx, a, x):
    return x


@impl("Reshape")
def _reshape(ctx, a, x, shape):
    target = ints(shape)
    if not a.get("allowzero", 0):
        target = [x.shape[i] if s == 0 else s for i, s in enumerate(target)]
    return nr.reshape(x, tuple(target))


@impl("Flatten")
def _flatten(ctx, a, x):
    axis = a.get("axis", 1)
    axis = axis + x.ndim if axis < 0 else axis
    return nr.reshape(x, (math.prod(x.shape[:axis]), math.prod(x.shape[axis:])))


@impl("Transpose")
def _transpose(ctx, a, x):
    perm = a.get("perm") or list(range(x.ndim))[::-1]
    return nr.permute_dims(x, tuple(perm))


def _axes_arg(ctx, a, axes_input, since):
    if ctx.opset >= since:
        return ints(axes_input)
    return a.get("axes")


@impl("Squeeze")
def _squeeze(ctx, a, x, axes=None):
    ax = _axes_arg(ctx, a, axes, 13)
    if ax is None:
        ax = [i for i, s in enumerate(x.shape) if s == 1]
    return nr.squeeze(x, tuple(i % x.ndim for i in ax)) if ax else x


@impl("Unsqueeze")
def _unsqueeze(ctx, a, x, axes=None):
    ax = _axes_arg(ctx, a, axes, 13)
    nd = x.ndim + len(ax)
    out = x
    for i in sorted(i % nd for i in ax):
        out = nr.expand_dims(out, axis=i)
    return out


@impl("Concat")
def _concat(ctx, a, *xs):
    xs = [x for x in xs if x is not None]
    return nr.concat(xs, axis=a["axis"] % xs[0].ndim)


@impl("Split")
def _split(ctx, a, x, split=None):
    axis = a.get("axis", 0) % x.ndim
    sizes = ints(split) if ctx.opset >= 13 else a.get("split")
    n = x.shape[axis]
    if sizes is None:
        parts = a.get("num_outputs", ctx.n_out)
        step = -(-n // parts)
        sizes = [min(step, n - i * step) for i in range(parts)]
    lead = (slice(None),) * axis
    out, start = [], 0
    for s in sizes:
        out.append(x[lead + (slice(start, start + s),)])
        start += s
    return tuple(out)


@impl("Slice")
def _slice(ctx, a, x, starts=None, ends=None, axes=None, steps=None):
    if ctx.opset < 10:
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    else:
        starts, ends, axes, steps = ints(starts), ints(ends), ints(axes), ints(steps)
    axes = list(range(len(starts))) if axes is None else [i % x.ndim for i in axes]
    steps = [1] * len(starts) if steps is None else steps
    key = [slice(None)] * x.ndim
    for ax, s, e, st in zip(axes, starts, ends, steps):
        key[ax] = slice(s, e, st)
    return x[tuple(key)]


def _fix_negative(idx, n):
    if idx.dtype.kind == "uint":
        return nr.astype(idx, nr.int64)
    return nr.where(idx < 0, idx + n, idx)


@impl("Gather")
def _gather(ctx, a, x, idx):
    axis = a.get("axis", 0) % x.ndim
    idx = _fix_negative(idx, x.shape[axis])
    out = nr.take(x, nr.reshape(idx, (-1,)), axis=axis)
    return nr.reshape(out, x.shape[:axis] + idx.shape + x.shape[axis + 1:])


@impl("GatherElements")
def _gather_elements(ctx, a, x, idx):
    axis = a.get("axis", 0) % x.ndim
    return nr.take_along_axis(x, _fix_negative(idx, x.shape[axis]), axis=axis)


@impl("Expand")
def _expand(ctx, a, x, shape):
    target = ints(shape)
    nd = max(len(target), x.ndim)
    xs = (1,) * (nd - x.ndim) + x.shape
    ts = (1,) * (nd - len(target)) + tuple(target)
    out = tuple(max(p, q) if 1 in (p, q) else p for p, q in zip(xs, ts))
    return nr.broadcast_to(nr.reshape(x, xs), out)


@impl("Tile")
def _tile(ctx, a, x, repeats):
    return nr.tile(x, tuple(ints(repeats)))


@impl("Range")
def _range(ctx, a, start, limit, delta):
    return nr.arange(_scalar(start), _scalar(limit), _scalar(delta), dtype=start.dtype, device=ctx.device)


@impl("Trilu")
def _trilu(ctx, a, x, k=None):
    k = 0 if k is None else int(_scalar(k))
    return nr.triu(x, k=k) if a.get("upper", 1) else nr.tril(x, k=k)


@impl("EyeLike")
def _eye_like(ctx, a, x):
    dt = nr_dtype(a["dtype"]) if "dtype" in a else x.dtype
    return nr.eye(x.shape[0], x.shape[1], k=a.get("k", 0), dtype=dt, device=ctx.device)


@impl("Pad")
def _pad(ctx, a, x, pads=None, value=None, axes=None):
    mode = a.get("mode", "constant")
    if ctx.opset < 11:
        pads, cval = a["pads"], a.get("value", 0.0)
    else:
        pads, cval = ints(pads), (0 if value is None else _scalar(value))
    axes = list(range(x.ndim)) if axes is None else [i % x.ndim for i in ints(axes)]
    n = len(axes)
    pairs = {ax: (pads[i], pads[i + n]) for i, ax in enumerate(axes)}
    flat = []  # torch order: the last dim first
    for ax in reversed(range(x.ndim)):
        flat.extend(pairs.get(ax, (0, 0)))
    if any(p < 0 for p in flat):
        raise ValueError(f"Pad: negative pads {pads} are not supported")
    torch_mode = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}[mode]
    return F.pad(x, tuple(flat), torch_mode, cval if mode == "constant" else None)


@impl("CumSum")
def _cumsum(ctx, a, x, axis):
    ax = int(_scalar(axis)) % x.ndim
    if a.get("reverse", 0):
        x = nr.flip(x, axis=ax)
    out = nr.cumulative_sum(x, axis=ax, dtype=x.dtype)
    if a.get("exclusive", 0):
        out = out - x
    return nr.flip(out, axis=ax) if a.get("reverse", 0) else out


@impl("NonZero")
def _nonzero(ctx, a, x):
    parts = nr.nonzero(x)
    return nr.stack([nr.astype(p, nr.int64) for p in parts], axis=0)


@impl("Dropout")
def _dropout(ctx, a, x, ratio=None, training=None):
    if training is not None and bool(_scalar(training)):
        p = 0.5 if ratio is None else float(_scalar(ratio))
        if p == 0.0:
            return (x, nr.ones(x.shape, dtype=nr.bool, device=x.device))[:ctx.n_out]
        keep = nr.random.uniform(x.shape, dtype=x.dtype, device=x.device) >= p
        return (x * nr.astype(keep, x.dtype) * (1.0 / (1.0 - p)), keep)[:ctx.n_out]
    if ctx.n_out > 1:
        return x, nr.ones(x.shape, dtype=nr.bool, device=x.device)
    return x


# ---- reductions ------------------------------------------------------------------------------------
def _reduce(fn, since, empty=None):
    """``empty``: the value over an empty set (ONNX defines one for every reduction: 0, 1, -inf, +inf …)."""
    def run(ctx, a, x, axes=None):
        ax = _axes_arg(ctx, a, axes, since)
        keep = bool(a.get("keepdims", 1))
        if not ax:
            if a.get("noop_with_empty_axes", 0):
                return x
            ax = list(range(x.ndim))
        ax = tuple(sorted(i % x.ndim for i in ax))
        if empty is not None and any(x.shape[i] == 0 for i in ax):
            shape = tuple(1 if i in ax else s for i, s in enumerate(x.shape) if keep or i not in ax)
            return nr.full(shape, empty(x.dtype), dtype=x.dtype, device=x.device)
        if x.dtype is nr.bool:
            return nr.astype(fn(nr.astype(x, nr.uint8), ax, keep), nr.bool)
        return fn(x, ax, keep)
    return run


def _lowest(dt):
    return False if dt is nr.bool else -math.inf if dt.kind == "float" else int(np.iinfo(dt.numpy).min)


def _highest(dt):
    return True if dt is nr.bool else math.inf if dt.kind == "float" else int(np.iinfo(dt.numpy).max)


def _r(name):
    return lambda x, ax, keep: getattr(nr, name)(x, axis=ax, keepdims=keep)


IMPL["ReduceSum"] = _reduce(_r("sum"), 13)
IMPL["ReduceMean"] = _reduce(_r("mean"), 18)
IMPL["ReduceMax"] = _reduce(_r("max"), 18, _lowest)
IMPL["ReduceMin"] = _reduce(_r("min"), 18, _highest)
IMPL["ReduceProd"] = _reduce(_r("prod"), 18)
IMPL["ReduceL1"] = _reduce(lambda x, ax, k: nr.sum(nr.abs(x), axis=ax, keepdims=k), 18)
IMPL["ReduceL2"] = _reduce(lambda x, ax, k: nr.sqrt(nr.sum(x * x, axis=ax, keepdims=k)), 18)
IMPL["ReduceSumSquare"] = _reduce(lambda x, ax, k: nr.sum(x * x, axis=ax, keepdims=k), 18)
IMPL["ReduceLogSum"] = _reduce(lambda x, ax, k: nr.log(nr.sum(x, axis=ax, keepdims=k)), 18)
IMPL["ReduceLogSumExp"] = _reduce(lambda x, ax, k: nr.logsumexp(x, axis=ax, keepdims=k), 18, lambda dt: -math.inf)


def _arg(fn):
    def run(ctx, a, x):
        axis = a.get("axis", 0) % x.ndim
        keep = bool(a.get("keepdims", 1))
        if a.get("select_last_index", 0):
            n = x.shape[axis]
            return (n - 1) - fn(nr.flip(x, axis=axis), axis=axis, keepdims=keep)
        return fn(x, axis=axis, keepdims=keep)
    return run


IMPL["ArgMax"] = _arg(nr.argmax)
IMPL["ArgMin"] = _arg(nr.argmin)


# ---- linear algebra and nn --------------------------------------------------------------------------
@impl("Gemm")
def _gemm(ctx, a, x, w, c=None):
    if a.get("transA", 0):
        x = nr.matrix_transpose(x)
    if a.get("transB", 0):
        w = nr.matrix_transpose(w)
    out = nr.matmul(x, w)
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if alpha != 1.0:
        out = out * alpha
    if c is not None:
        out = out + (c * beta if beta != 1.0 else c)
    return out


def _spatial_pads(ctx, a, x, kernel, strides, dilations):
    """(lo, hi) per spatial dim from ``pads`` or ``auto_pad``."""
    nd = len(kernel)
    auto = a.get("auto_pad", "NOTSET")
    if isinstance(auto, bytes):
        auto = auto.decode()
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pairs = []
        for n, k, s, d in zip(x.shape[2:], kernel, strides, dilations):
            out = -(-n // s)
            total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pairs.append((lo, total - lo))
        return tuple(pairs)
    if auto == "VALID":
        return ((0, 0),) * nd
    pads = a.get("pads", [0] * (2 * nd))
    return tuple((pads[i], pads[i + nd]) for i in range(nd))


@impl("Conv")
def _conv_op(ctx, a, x, w, b=None):
    nd = w.ndim - 2
    kernel = a.get("kernel_shape", list(w.shape[2:]))
    strides = tuple(a.get("strides", [1] * nd))
    dil = tuple(a.get("dilations", [1] * nd))
    pads = _spatial_pads(ctx, a, x, kernel, strides, dil)
    out = _conv.conv(x, w, strides, pads, dil, a.get("group", 1))
    return out if b is None else out + nr.reshape(b, (-1,) + (1,) * nd)


@impl("ConvTranspose")
def _conv_transpose_op(ctx, a, x, w, b=None):
    nd = w.ndim - 2
    group = a.get("group", 1)
    strides = tuple(a.get("strides", [1] * nd))
    dil = tuple(a.get("dilations", [1] * nd))
    kernel = a.get("kernel_shape", list(w.shape[2:]))
    extra = a.get("output_padding", [0] * nd)
    full = [(n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip(x.shape[2:], strides, dil, kernel)]
    auto = a.get("auto_pad", "NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if "output_shape" in a or auto in ("SAME_UPPER", "SAME_LOWER"):
        target = a["output_shape"][-nd:] if "output_shape" in a else [n * s for n, s in zip(x.shape[2:], strides)]
        pairs = []
        for f, op, t in zip(full, extra, target):
            total = f + op - t
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pairs.append((lo, total - lo - op))
    elif auto == "VALID":
        pairs = [(0, -op) for op in extra]
    else:
        pads = a.get("pads", [0] * (2 * nd))
        pairs = [(pads[i], pads[i + nd] - extra[i]) for i in range(nd)]
    out = _conv.conv_transpose(x, w, strides, tuple(pairs), dil, group)
    return out if b is None else out + nr.reshape(b, (-1,) + (1,) * nd)


def _pool_geometry(ctx, a, x):
    kernel = tuple(a["kernel_shape"])
    nd = len(kernel)
    strides = tuple(a.get("strides", [1] * nd))
    dil = tuple(a.get("dilations", [1] * nd))
    pads = _spatial_pads(ctx, a, x, kernel, strides, dil)
    if a.get("ceil_mode", 0):
        grown = []
        for n, k, s, d, (lo, hi) in zip(x.shape[2:], kernel, strides, dil, pads):
            span = d * (k - 1) + 1
            out = -(-(n + lo + hi - span) // s) + 1
            if (out - 1) * s >= n + lo:  # the last window must start inside the input or the left padding
                out -= 1
            grown.append((lo, max(hi, (out - 1) * s + span - n - lo)))
        pads = tuple(grown)
    return kernel, strides, dil, pads


@impl("MaxPool")
def _max_pool(ctx, a, x):
    kernel, strides, dil, pads = _pool_geometry(ctx, a, x)
    out, arg = _pool.max_pool(x, kernel, strides, pads, dil)
    if ctx.n_out < 2:
        return out
    # ONNX's indices count over the whole (N, C, *spatial) tensor, row-major (storage_order=0)
    plane = _pool.max_pool_indices(arg, x.shape, kernel, strides, pads, dil)
    if a.get("storage_order", 0):  # column-major within each plane: unravel row-major, ravel reversed
        sizes = list(x.shape[2:])
        digits, rest = [], plane
        for n in reversed(sizes):
            digits.append(rest % n)
            rest = rest // n
        digits = digits[::-1]  # row-major digits, first axis first
        col, mult = nr.zeros_like(plane), 1
        for d, n in zip(digits, sizes):
            col = col + d * mult
            mult *= n
        plane = col
    per = math.prod(x.shape[2:])
    base = nr.reshape(nr.arange(x.shape[0] * x.shape[1], dtype=nr.int64, device=x.device) * per,
                      (x.shape[0], x.shape[1]) + (1,) * len(kernel))
    return out, plane + base


@impl("AveragePool")
def _avg_pool(ctx, a, x):
    kernel, strides, dil, pads = _pool_geometry(ctx, a, x)
    orig = _spatial_pads(ctx, a, x, kernel, strides, dil)
    count = orig if a.get("count_include_pad", 0) else ((0, 0),) * len(kernel)
    if all(d == 1 for d in dil):
        return _pool.avg_pool(x, kernel, strides, pads, count, None)
    # dilated windows (the fused op has none): sum the gathered windows, divide by the counted positions
    cols = _grid.im2col(_grid.pad(x, pads), kernel, strides, dil)
    mask = _grid.pad(nr.ones((1, 1) + x.shape[2:], dtype=x.dtype, device=x.device), count, 1.0)
    mask = _grid.pad(mask, tuple((lo - cl, hi - ch) for (lo, hi), (cl, ch) in zip(pads, count)), 0.0)
    div = nr.sum(_grid.im2col(mask, kernel, strides, dil), axis=-1)
    return nr.sum(cols, axis=-1) / div


@impl("GlobalAveragePool")
def _global_avg(ctx, a, x):
    return nr.mean(x, axis=tuple(range(2, x.ndim)), keepdims=True)


@impl("GlobalMaxPool")
def _global_max(ctx, a, x):
    return nr.max(x, axis=tuple(range(2, x.ndim)), keepdims=True)


@impl("BatchNormalization")
def _batch_norm(ctx, a, x, scale, bias, mean, var):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    eps = a.get("epsilon", 1e-5)
    if not a.get("training_mode", 0):
        inv = scale / nr.sqrt(var + eps)
        return (x - nr.reshape(mean, shape)) * nr.reshape(inv, shape) + nr.reshape(bias, shape)
    # training: the batch's statistics normalise; the running ones move by ``momentum`` (population variance)
    axes = (0,) + tuple(range(2, x.ndim))
    bmean = nr.mean(x, axis=axes)
    bvar = nr.mean((x - nr.reshape(bmean, shape)) ** 2, axis=axes)
    y = (x - nr.reshape(bmean, shape)) / nr.sqrt(nr.reshape(bvar, shape) + eps) * nr.reshape(scale, shape) + \
        nr.reshape(bias, shape)
    m = a.get("momentum", 0.9)
    return (y, mean * m + bmean * (1 - m), var * m + bvar * (1 - m))[:ctx.n_out]


@impl("InstanceNormalization")
def _instance_norm(ctx, a, x, scale, bias):
    return F.instance_norm(x, weight=scale, bias=bias, eps=a.get("epsilon", 1e-5))


@impl("LayerNormalization")
def _layer_norm(ctx, a, x, scale, bias=None):
    axis = a.get("axis", -1) % x.ndim
    nd = x.ndim - axis
    eps = a.get("epsilon", 1e-5)
    out = _norm.layer_norm(x, nd, float(eps)) * scale
    if bias is not None:
        out = out + bias
    if ctx.n_out == 1:
        return out
    axes = tuple(range(axis, x.ndim))
    mean = nr.mean(x, axis=axes, keepdims=True)
    d = x - mean
    inv = 1.0 / nr.sqrt(nr.mean(d * d, axis=axes, keepdims=True) + eps)
    return (out, mean, inv)[:ctx.n_out]


@impl("LpNormalization")
def _lp_norm(ctx, a, x):
    p, axis = a.get("p", 2), a.get("axis", -1) % x.ndim
    n = nr.sum(nr.abs(x), axis=axis, keepdims=True) if p == 1 else nr.sqrt(nr.sum(x * x, axis=axis, keepdims=True))
    zero = n == 0
    return nr.where(zero, nr.zeros_like(x), x / nr.where(zero, nr.ones_like(n), n))


# ---- recurrent --------------------------------------------------------------------------------------
def _directions(a):
    d = a.get("direction", "forward")
    d = d.decode() if isinstance(d, bytes) else d
    return {"forward": [False], "reverse": [True], "bidirectional": [False, True]}[d]


def _rnn_common(a, x, seq_lens, name):
    if seq_lens is not None and len(set(ints(seq_lens))) > 1:
        raise ValueError(f"{name}: sequence_lens of different lengths are not supported")
    if a.get("clip") is not None:
        raise ValueError(f"{name}: clip is not supported")
    layout = a.get("layout", 0)
    return nr.permute_dims(x, (1, 0, 2)) if layout else x, layout


def _rnn_outputs(ctx, seqs, finals, layout):
    y = nr.stack(seqs, axis=1)  # (T, dirs, N, H)
    if layout:
        y = nr.permute_dims(y, (2, 0, 1, 3))
        finals = [nr.permute_dims(nr.stack(f, axis=0), (1, 0, 2)) for f in finals]
    else:
        finals = [nr.stack(f, axis=0) for f in finals]
    return (y, *finals)[:max(ctx.n_out, 1)]


@impl("LSTM")
def _lstm(ctx, a, x, w, r, b=None, seq_lens=None, h0=None, c0=None, p=None):
    if a.get("input_forget", 0):
        raise ValueError("LSTM: input_forget=1 is not supported")
    acts = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", [])]
    if acts and any(s.lower() != d for s, d in zip(acts, ["sigmoid", "tanh", "tanh"] * 2)):
        raise ValueError(f"LSTM: activations {acts} are not supported (sigmoid, tanh, tanh only)")
    x, layout = _rnn_common(a, x, seq_lens, "LSTM")
    hidden = a.get("hidden_size", r.shape[-1])
    n = x.shape[1]
    if layout:
        h0 = None if h0 is None else nr.permute_dims(h0, (1, 0, 2))
        c0 = None if c0 is None else nr.permute_dims(c0, (1, 0, 2))
    order = [0, 2, 3, 1]  # ONNX gates i, o, f, c -> the cell's i, f, g, o
    seqs, hs, cs = [], [], []
    for d, backward in enumerate(_directions(a)):
        wd = nr.concat([w[d][k * hidden:(k + 1) * hidden] for k in order], axis=0)
        rd = nr.concat([r[d][k * hidden:(k + 1) * hidden] for k in order], axis=0)
        gx = nr.matmul(x, wd.mT)
        if b is not None:
            bd = b[d][:4 * hidden] + b[d][4 * hidden:]
            gx = gx + nr.concat([bd[k * hidden:(k + 1) * hidden] for k in order], axis=0)
        h = nr.zeros((n, hidden), dtype=x.dtype, device=x.device) if h0 is None else h0[d]
        c = nr.zeros((n, hidden), dtype=x.dtype, device=x.device) if c0 is None else c0[d]
        steps = range(x.shape[0] - 1, -1, -1) if backward else range(x.shape[0])
        outs = [None] * x.shape[0]
        for t in steps:
            gates = gx[t] + nr.matmul(h, rd.mT)
            if p is None:
                h, c, _ = lstm_cell(gates, c)
            else:  # peepholes (P: i, o, f) see the cell state, so the fused cell does not apply
                pi, po, pf = p[d][:hidden], p[d][hidden:2 * hidden], p[d][2 * hidden:]
                H = hidden
                i = nr.sigmoid(gates[:, :H] + pi * c)
                f = nr.sigmoid(gates[:, H:2 * H] + pf * c)
                c = f * c + i * nr.tanh(gates[:, 2 * H:3 * H])
                h = nr.sigmoid(gates[:, 3 * H:] + po * c) * nr.tanh(c)
            outs[t] = h
        seqs.append(nr.stack(outs, axis=0))
        hs.append(h)
        cs.append(c)
    return _rnn_outputs(ctx, seqs, [hs, cs], layout)


@impl("GRU")
def _gru(ctx, a, x, w, r, b=None, seq_lens=None, h0=None):
    acts = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", [])]
    if acts and any(s.lower() != d for s, d in zip(acts, ["sigmoid", "tanh"] * 2)):
        raise ValueError(f"GRU: activations {acts} are not supported (sigmoid, tanh only)")
    x, layout = _rnn_common(a, x, seq_lens, "GRU")
    hidden = a.get("hidden_size", r.shape[-1])
    before = a.get("linear_before_reset", 0)
    n = x.shape[1]
    if layout and h0 is not None:
        h0 = nr.permute_dims(h0, (1, 0, 2))
    seqs, hs = [], []
    H = hidden
    for d, backward in enumerate(_directions(a)):
        gx = nr.matmul(x, w[d].mT)  # gates z, r, h
        wb = rb = None
        if b is not None:
            wb, rb = b[d][:3 * H], b[d][3 * H:]
            gx = gx + wb
        rd = r[d]
        h = nr.zeros((n, H), dtype=x.dtype, device=x.device) if h0 is None else h0[d]
        outs = [None] * x.shape[0]
        for t in (range(x.shape[0] - 1, -1, -1) if backward else range(x.shape[0])):
            g = gx[t]
            hr = nr.matmul(h, rd[:2 * H].mT)
            if rb is not None:
                hr = hr + rb[:2 * H]
            z = nr.sigmoid(g[:, :H] + hr[:, :H])
            rr = nr.sigmoid(g[:, H:2 * H] + hr[:, H:2 * H])
            if before:
                hh = nr.matmul(h, rd[2 * H:].mT)
                if rb is not None:
                    hh = hh + rb[2 * H:]
                cand = nr.tanh(g[:, 2 * H:] + rr * hh)
            else:
                hh = nr.matmul(rr * h, rd[2 * H:].mT)
                if rb is not None:
                    hh = hh + rb[2 * H:]
                cand = nr.tanh(g[:, 2 * H:] + hh)
            h = (1.0 - z) * cand + z * h
            outs[t] = h
        seqs.append(nr.stack(outs, axis=0))
        hs.append(h)
    return _rnn_outputs(ctx, seqs, [hs], layout)


@impl("RNN")
def _rnn(ctx, a, x, w, r, b=None, seq_lens=None, h0=None):
    acts = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", ["Tanh", "Tanh"])]
    fns = {"tanh": nr.tanh, "relu": nr.relu, "sigmoid": nr.sigmoid}
    x, layout = _rnn_common(a, x, seq_lens, "RNN")
    H = a.get("hidden_size", r.shape[-1])
    n = x.shape[1]
    if layout and h0 is not None:
        h0 = nr.permute_dims(h0, (1, 0, 2))
    seqs, hs = [], []
    for d, backward in enumerate(_directions(a)):
        act = fns[acts[min(d, len(acts) - 1)].lower()]
        gx = nr.matmul(x, w[d].mT)
        if b is not None:
            gx = gx + b[d][:H] + b[d][H:]
        h = nr.zeros((n, H), dtype=x.dtype, device=x.device) if h0 is None else h0[d]
        outs = [None] * x.shape[0]
        for t in (range(x.shape[0] - 1, -1, -1) if backward else range(x.shape[0])):
            h = act(gx[t] + nr.matmul(h, r[d].mT))
            outs[t] = h
        seqs.append(nr.stack(outs, axis=0))
        hs.append(h)
    return _rnn_outputs(ctx, seqs, [hs], layout)


# ---- control flow ----------------------------------------------------------------------------------
@impl("Loop")
def _loop(ctx, a, max_trip=None, cond=None, *carried):
    """``body(i, cond, *carried) -> (cond, *carried, *scan outputs)``; scan outputs are stacked."""
    body = a["body"]
    n = None if max_trip is None else int(_scalar(max_trip))
    keep = True if cond is None else bool(_scalar(cond))
    state, scans, i = list(carried), None, 0
    while keep and (n is None or i < n):
        outs = ctx.run_graph(body, [ctx.array(np.array(i, np.int64)), ctx.array(np.array(keep)), *state])
        keep = bool(_scalar(outs[0]))
        state = list(outs[1:1 + len(carried)])
        step = outs[1 + len(carried):]
        scans = [[] for _ in step] if scans is None else scans
        for acc, v in zip(scans, step):
            acc.append(v)
        i += 1
    n_scan = len(body.outputs) - 1 - len(carried)
    stacked = [nr.stack(acc, axis=0) if acc else None for acc in (scans or [[] for _ in range(n_scan)])]
    if any(s is None for s in stacked):
        raise ValueError("Loop: a loop that runs no iteration leaves its scan outputs without a dtype")
    out = tuple(state) + tuple(stacked)
    return out if len(out) != 1 else out[0]



@impl("If")
def _if(ctx, a, cond):
    branch = a["then_branch"] if bool(_scalar(cond)) else a["else_branch"]
    outs = ctx.run_graph(branch, [])
    return outs if len(outs) > 1 else outs[0]
