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
    # explicit sizes: -1 cannot be inferred when an axis is empty
    m, n = math.prod(x1.shape[i] for i in free1), math.prod(x2.shape[i] for i in free2)
    p1 = nr.reshape(nr.permute_dims(x1, tuple(free1) + tuple(a1)), (m, k))
    p2 = nr.reshape(nr.permute_dims(x2, tuple(a2) + tuple(free2)), (k, n))
    out_shape = tuple(x1.shape[i] for i in free1) + tuple(x2.shape[i] for i in free2)
    return nr.reshape(nr.matmul(p1, p2), out_shape)


def vecdot(x1, x2, axis=-1):
    nr = _ns()
    prod = nr.conj(x1) * x2
    return nr.sum(prod, axis=axis, dtype=prod.dtype)  # the operands' dtype, not sum's widened default


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


# ---- linalg and fft extensions ------------------------------------------------------------------------
# Composite ops are written in nr ops. Factorisations, solves and transforms have no sensible formulation in
# the primitive set, so a backend without their kernels runs them on the host and gets the results back on
# its own device: the caller sees no device change, only the cost of two copies.
def _host_fallback(name: str, namespace: str):
    def fallback(*inputs, **params):
        from .devices import Device
        nr = _ns()
        dev = inputs[0].device
        if dev.kind == "cpu":
            raise RuntimeError(f"{namespace}.{name}: the backend of device {dev} has no kernel for this op and it "
                               f"is already on the host, so there is nothing to fall back to")
        host = Device("cpu", 0)
        out = getattr(getattr(nr, namespace), name)(*(x.to_device(host) for x in inputs), **params)
        if isinstance(out, tuple):
            return tuple(o.to_device(dev) for o in out)
        return out.to_device(dev)
    fallback.__name__ = fallback.__qualname__ = name
    return fallback


_HOST_FALLBACKS = {
    "linalg": ("cholesky", "det", "slogdet", "eigh", "eigvalsh", "inv", "qr", "solve", "svd", "svdvals"),
    "fft": ("fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft"),
}


def _keep_dims_last(x, axis, size):
    """The slice ``size`` long at position ``axis`` (negative) of the last axes, keeping that axis."""
    return x[(Ellipsis, slice(size, size + 1)) + (slice(None),) * (-axis - 1)]


def cross(x1, x2, axis=-1):
    nr = _ns()
    a = [_keep_dims_last(x1, axis, i) for i in range(3)]
    b = [_keep_dims_last(x2, axis, i) for i in range(3)]
    return nr.concat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], axis=axis)


def outer(x1, x2):
    nr = _ns()
    return nr.reshape(x1, (-1, 1)) * nr.reshape(x2, (1, -1))


def diagonal(x, offset=0):
    # one gather from the flattened matrices: element (i, i + offset) sits at i * n + i + offset
    nr = _ns()
    m, n = x.shape[-2:]
    first = max(0, -offset)
    size = max(0, min(m, n - offset) - first)
    idx = nr.asarray([i * n + i + offset for i in range(first, first + size)], dtype=_d.int64, device=x.device)
    return nr.take(nr.reshape(x, x.shape[:-2] + (m * n,)), idx, axis=-1)


def trace(x, offset=0, dtype=None):
    return _ns().sum(diagonal(x, offset), axis=-1, dtype=dtype)


def vector_norm(x, axis=None, keepdims=False, ord=2):
    nr = _ns()
    a = nr.abs(x)
    if ord == math.inf:
        return nr.max(a, axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return nr.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return nr.sum(nr.astype(a != 0, a.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return nr.sum(a, axis=axis, keepdims=keepdims)
    if ord == 2:
        return nr.sqrt(nr.sum(a * a, axis=axis, keepdims=keepdims))
    return nr.sum(a ** float(ord), axis=axis, keepdims=keepdims) ** (1.0 / ord)


def matrix_norm(x, keepdims=False, ord="fro"):
    nr = _ns()
    if ord == "fro":
        a = nr.abs(x)
        out = nr.sqrt(nr.sum(a * a, axis=(-2, -1)))
    elif ord == "nuc":
        out = nr.sum(nr.linalg.svdvals(x), axis=-1)
    elif ord in (2, -2):
        s = nr.linalg.svdvals(x)
        out = nr.max(s, axis=-1) if ord == 2 else nr.min(s, axis=-1)
    else:
        # 1-norms sum down the columns, inf-norms along the rows
        sums = nr.sum(nr.abs(x), axis=-2 if ord in (1, -1) else -1)
        out = nr.max(sums, axis=-1) if ord > 0 else nr.min(sums, axis=-1)
    return nr.reshape(out, out.shape + (1, 1)) if keepdims else out


def matrix_power(x, n):
    # binary exponentiation: about 2·log2(n) matmuls
    nr = _ns()
    if n == 0:
        return nr.zeros_like(x) + nr.eye(x.shape[-1], dtype=x.dtype, device=x.device)
    if n < 0:
        x, n = nr.linalg.inv(x), -n
    result, base = None, x
    while n:
        if n & 1:
            result = base if result is None else nr.matmul(result, base)
        n >>= 1
        if n:
            base = nr.matmul(base, base)
    return result


def _cutoff(nr, s, rtol):
    """``rtol`` times the largest singular value of each matrix, as a trailing axis to compare ``s`` with."""
    largest = nr.max(s, axis=-1, keepdims=True)
    return (nr.expand_dims(rtol, axis=-1) if hasattr(rtol, "shape") else rtol) * largest


def matrix_rank(x, rtol=None):
    nr = _ns()
    s = nr.linalg.svdvals(x)
    if s.shape[-1] == 0:
        return nr.zeros(s.shape[:-1], dtype=_d.int64, device=x.device)
    return nr.count_nonzero(s > _cutoff(nr, s, rtol), axis=-1)


def pinv(x, rtol=None):
    nr = _ns()
    u, s, vh = nr.linalg.svd(x, full_matrices=False)
    if s.shape[-1] == 0:
        return nr.zeros(x.shape[:-2] + (x.shape[-1], x.shape[-2]), dtype=x.dtype, device=x.device)
    keep = s > _cutoff(nr, s, rtol)
    s_inv = nr.where(keep, 1 / nr.where(keep, s, nr.ones_like(s)), nr.zeros_like(s))
    return nr.matmul(nr.conj(nr.matrix_transpose(vh)) * nr.expand_dims(s_inv, axis=-2),
                     nr.conj(nr.matrix_transpose(u)))


def _shift(x, axes, sign):
    axes = tuple(range(x.ndim)) if axes is None else axes
    return _ns().roll(x, tuple(sign * (x.shape[a] // 2) for a in axes), axis=axes)


def fftshift(x, axes=None):
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    return _shift(x, axes, -1)


def fftfreq(n, d, dtype, device):
    # [0, 1, ..., ceil(n/2) - 1, -floor(n/2), ..., -1] / (n d)
    nr = _ns()
    k = nr.concat([nr.arange(0, (n - 1) // 2 + 1, device=device), nr.arange(-(n // 2), 0, device=device)])
    return nr.astype(k, dtype) * (1.0 / (n * d))


def rfftfreq(n, d, dtype, device):
    nr = _ns()
    return nr.astype(nr.arange(0, n // 2 + 1, device=device), dtype) * (1.0 / (n * d))


DECOMPOSITIONS.update({fn.__name__: fn for fn in (
    cross, outer, diagonal, trace, vector_norm, matrix_norm, matrix_power, matrix_rank, pinv, fftshift, ifftshift,
    fftfreq, rfftfreq)})
DECOMPOSITIONS.update({name: _host_fallback(name, ns) for ns, names in _HOST_FALLBACKS.items() for name in names})
