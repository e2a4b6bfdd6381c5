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


@impl("TopK")
def _topk(ctx, a, x, k):
    axis = a.get("axis", -1) % x.ndim
    largest = a.get("largest", 1)
    n = int(scalar(k))
    # stable sort: among equal values the lower index comes first, as ONNX asks
    order = nr.argsort(x, axis=axis, descending=bool(largest), stable=True)
    idx = order[(slice(None),) * axis + (slice(0, n),)]
    return nr.take_along_axis(x, idx, axis=axis), idx


@impl("OneHot")
def _one_hot(ctx, a, indices, depth, values):
    d = int(scalar(depth))
    axis = a.get("axis", -1)
    axis = axis + indices.ndim + 1 if axis < 0 else axis
    idx = nr.astype(indices, nr.int64)
    idx = nr.where(idx < 0, idx + d, idx)
    pos = nr.reshape(nr.arange(d, device=indices.device), (-1,) + (1,) * (indices.ndim - axis))
    hot = nr.expand_dims(idx, axis=axis) == pos
    return nr.where(hot, values[1], values[0])


@impl("DepthToSpace")
def _depth_to_space(ctx, a, x):
    b = a["blocksize"]
    n, c, h, w = x.shape
    if a.get("mode", "DCR") == "DCR":
        t = nr.permute_dims(nr.reshape(x, (n, b, b, c // (b * b), h, w)), (0, 3, 4, 1, 5, 2))
    else:
        t = nr.permute_dims(nr.reshape(x, (n, c // (b * b), b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return nr.reshape(t, (n, c // (b * b), h * b, w * b))


@impl("SpaceToDepth")
def _space_to_depth(ctx, a, x):
    b = a["blocksize"]
    n, c, h, w = x.shape
    perm = (0, 1, 3, 5, 2, 4) if a.get("mode", "DCR") == "CRD" else (0, 3, 5, 1, 2, 4)
    t = nr.permute_dims(nr.reshape(x, (n, c, h // b, b, w // b, b)), perm)
    return nr.reshape(t, (n, c * b * b, h // b, w // b))


def _index_tuple(data, indices, batch_dims):
    """The integer index arrays that pick ``indices``' last-axis tuples out of ``data``; the leading
    ``batch_dims`` axes pair up (an arange along each, broadcast against the rest)."""
    k = indices.shape[-1]
    idx = nr.astype(indices, nr.int64)
    lead = indices.ndim - 1 - batch_dims
    grids = tuple(nr.reshape(nr.arange(indices.shape[j], device=data.device),
                             (1,) * j + (-1,) + (1,) * (batch_dims - 1 - j + lead)) for j in range(batch_dims))
    picks = tuple(nr.where(idx[..., j] < 0, idx[..., j] + data.shape[batch_dims + j], idx[..., j])
                  for j in range(k))
    return grids + picks


_HOST_REDUCE = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


def _scatter(data, key, updates, reduction: str, op: str):
    if reduction == "none":
        out = nr.asarray(data, copy=True)
        out[key] = updates
        return out
    if reduction not in _HOST_REDUCE:
        raise ValueError(f"{op}: unknown reduction {reduction!r}")
    # repeated indices must all combine: NumPy's unbuffered ufunc.at does that, on the host (not differentiable)
    host = data.numpy().copy()
    _HOST_REDUCE[reduction].at(host, tuple(np.asarray(k.numpy()) for k in key), updates.numpy())
    return nr.asarray(host, device=data.device)


@impl("GatherND")
def _gather_nd(ctx, a, data, indices):
    return data[_index_tuple(data, indices, a.get("batch_dims", 0))]


@impl("ScatterND")
def _scatter_nd(ctx, a, data, indices, updates):
    return _scatter(data, _index_tuple(data, indices, 0), updates, a.get("reduction", "none"), "ScatterND")


@impl("ScatterElements")
def _scatter_elements(ctx, a, data, indices, updates):
    axis = a.get("axis", 0) % data.ndim
    idx = nr.astype(indices, nr.int64)
    idx = nr.where(idx < 0, idx + data.shape[axis], idx)
    grids = nr.meshgrid(*[nr.arange(s, device=data.device) for s in indices.shape], indexing="ij")
    key = tuple(idx if d == axis else grids[d] for d in range(data.ndim))
    return _scatter(data, key, updates, a.get("reduction", "none"), "ScatterElements")
