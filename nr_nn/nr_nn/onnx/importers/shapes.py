"""Constants, shape arithmetic, indexing and data movement ops."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr
from nr_core import dtypes as _d

from ... import functional as F
from ._base import axes_arg, impl, ints, nr_dtype, scalar


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




@impl("Squeeze")
def _squeeze(ctx, a, x, axes=None):
    ax = axes_arg(ctx, a, axes, 13)
    if ax is None:
        ax = [i for i, s in enumerate(x.shape) if s == 1]
    return nr.squeeze(x, tuple(i % x.ndim for i in ax)) if ax else x


@impl("Unsqueeze")
def _unsqueeze(ctx, a, x, axes=None):
    ax = axes_arg(ctx, a, axes, 13)
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
    return nr.arange(scalar(start), scalar(limit), scalar(delta), dtype=start.dtype, device=ctx.device)


@impl("Trilu")
def _trilu(ctx, a, x, k=None):
    k = 0 if k is None else int(scalar(k))
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
        pads, cval = ints(pads), (0 if value is None else scalar(value))
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
    ax = int(scalar(axis)) % x.ndim
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
    if training is not None and bool(scalar(training)):
        p = 0.5 if ratio is None else float(scalar(ratio))
        if p == 0.0:
            return (x, nr.ones(x.shape, dtype=nr.bool, device=x.device))[:ctx.n_out]
        keep = nr.random.uniform(x.shape, dtype=x.dtype, device=x.device) >= p
        return (x * nr.astype(keep, x.dtype) * (1.0 / (1.0 - p)), keep)[:ctx.n_out]
    if ctx.n_out > 1:
        return x, nr.ones(x.shape, dtype=nr.bool, device=x.device)
    return x
