"""Frontend decompositions: every non-primitive op written in nr ops, used on backends without a kernel for it.

Each function takes the op's inputs and the same keyword parameters its kernel would (see ``optable``).
"""
from __future__ import annotations

import math

from . import dtypes as _d
from .dispatch import DECOMPOSITIONS


def _ns():
    import nr_core
    return nr_core


def square(x):
    return x * x


def relu(x):
    return _ns().maximum(x, 0)


def hypot(x1, x2):
    nr = _ns()
    return nr.sqrt(x1 * x1 + x2 * x2)


def logaddexp(x1, x2):
    nr = _ns()
    m = nr.maximum(x1, x2)
    m = nr.where(nr.isfinite(m), m, nr.zeros_like(m))
    return m + nr.log(nr.exp(x1 - m) + nr.exp(x2 - m))


def clip(x, min=None, max=None):
    nr = _ns()
    out = x
    if min is not None:
        out = nr.maximum(out, min)
    if max is not None:
        out = nr.minimum(out, max)
    return out


def _count(x, axis):
    shape = x.shape
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


def var(x, axis=None, keepdims=False, correction=0.0):
    nr = _ns()
    mu = nr.mean(x, axis=axis, keepdims=True)
    d = x - mu
    sq = nr.real(d * nr.conj(d)) if x.dtype.kind == "complex" else d * d
    n = _count(x, axis)
    return nr.sum(sq, axis=axis, keepdims=keepdims) / max(n - correction, 0)


def std(x, axis=None, keepdims=False, correction=0.0):
    return _ns().sqrt(var(x, axis=axis, keepdims=keepdims, correction=correction))


def logsumexp(x, axis=None, keepdims=False):
    nr = _ns()
    m = nr.max(x, axis=axis, keepdims=True)
    m = nr.where(nr.isfinite(m), m, nr.zeros_like(m))
    out = nr.log(nr.sum(nr.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    return nr.squeeze(out, axis=tuple(range(x.ndim)) if axis is None else axis)


def count_nonzero(x, axis=None, keepdims=False):
    nr = _ns()
    return nr.sum(nr.astype(x != 0, _d.int64), axis=axis, keepdims=keepdims)


def cumulative_prod(x, axis=0, include_initial=False, dtype=None):
    # products as exp(sum(log)) would lose signs and zeros; a running product along the axis is exact
    nr = _ns()
    x = nr.astype(x, dtype, copy=False) if dtype is not None else x
    lead = (slice(None),) * axis
    parts = [nr.ones_like(x[lead + (slice(0, 1),)])] if include_initial else []
    acc = None
    for i in range(x.shape[axis]):
        cur = x[lead + (slice(i, i + 1),)]
        acc = cur if acc is None else acc * cur
        parts.append(acc)
    if not parts:
        return x
    return nr.concat(parts, axis=axis)


def diff(x, axis=-1, n=1):
    lead = (slice(None),) * (axis % x.ndim)
    for _ in range(n):
        x = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
    return x


def tensordot(x1, x2, axes=2):
    nr = _ns()
    a1, a2 = axes
    free1 = [i for i in range(x1.ndim) if i not in a1]
    free2 = [i for i in range(x2.ndim) if i not in a2]
    k = math.prod(x1.shape[i] for i in a1)
    p1 = nr.reshape(nr.permute_dims(x1, tuple(free1) + tuple(a1)), (-1, k))
    p2 = nr.reshape(nr.permute_dims(x2, tuple(a2) + tuple(free2)), (k, -1))
    out_shape = tuple(x1.shape[i] for i in free1) + tuple(x2.shape[i] for i in free2)
    return nr.reshape(nr.matmul(p1, p2), out_shape)


def vecdot(x1, x2, axis=-1):
    nr = _ns()
    return nr.sum(nr.conj(x1) * x2, axis=axis)


def expand_dims(x, axis):
    axes = (axis,) if isinstance(axis, int) else axis
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return _ns().reshape(x, tuple(shape))


def squeeze(x, axis):
    return _ns().reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axis))


def matrix_transpose(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return _ns().permute_dims(x, tuple(axes))


def moveaxis(x, source, destination):
    order = [a for a in range(x.ndim) if a not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return _ns().permute_dims(x, tuple(order))


def roll(x, shift, axis=None):
    nr = _ns()
    if axis is None:
        return nr.reshape(roll(nr.reshape(x, (-1,)), shift, (0,)), x.shape)
    shifts = shift if isinstance(shift, tuple) else (shift,) * len(axis)
    for s, a in zip(shifts, axis):
        n = x.shape[a]
        if n == 0:
            continue
        s %= n
        if s:
            lead = (slice(None),) * a
            x = nr.concat([x[lead + (slice(n - s, None),)], x[lead + (slice(0, n - s),)]], axis=a)
    return x


def stack(*xs, axis=0):
    nr = _ns()
    return nr.concat([nr.expand_dims(x, axis=axis) for x in xs], axis=axis)


def tile(x, repetitions):
    nr = _ns()
    reps = (1,) * (x.ndim - len(repetitions)) + tuple(repetitions)
    x = nr.reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
    for a, r in enumerate(reps):
        if r != 1:
            x = nr.concat([x] * r, axis=a) if r else x[(slice(None),) * a + (slice(0, 0),)]
    return x


def repeat(x, repeats, axis=None):
    nr = _ns()
    import numpy as np
    if axis is None:
        x, axis = nr.reshape(x, (-1,)), 0
    n = x.shape[axis]
    counts = np.broadcast_to(np.asarray(repeats, dtype=np.int64), (n,))
    idx = nr.asarray(np.repeat(np.arange(n, dtype=np.int64), counts), device=x.device)
    return nr.take(x, idx, axis=axis)


def take_along_axis(x, indices, axis=-1):
    nr = _ns()
    import numpy as np
    # one flat take: each index plus the linear offset of its other coordinates
    strides = np.cumprod((1,) + x.shape[::-1])[::-1][1:]
    linear = nr.where(indices < 0, indices + x.shape[axis], indices) * int(strides[axis])
    for d, g in enumerate(np.indices(indices.shape, sparse=True)):
        if d != axis:
            linear = linear + nr.asarray(g.astype(np.int64) * int(strides[d]), device=x.device)
    return nr.reshape(nr.take(nr.reshape(x, (-1,)), nr.reshape(linear, (-1,)), axis=0), indices.shape)


def zeros(shape, dtype, device):
    return _ns().full(shape, 0, dtype=dtype, device=device)


def ones(shape, dtype, device):
    return _ns().full(shape, 1, dtype=dtype, device=device)


def empty(shape, dtype, device):
    return _ns().full(shape, 0, dtype=dtype, device=device)


DECOMPOSITIONS.update({fn.__name__: fn for fn in (
    square, relu, hypot, logaddexp, clip, var, std, logsumexp, count_nonzero, cumulative_prod, diff, tensordot,
    vecdot, expand_dims, squeeze, matrix_transpose, moveaxis, roll, stack, tile, repeat, take_along_axis,
    zeros, ones, empty)})
