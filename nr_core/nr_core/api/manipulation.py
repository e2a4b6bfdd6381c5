"""Manipulation functions: reshape, permute, broadcast, concat/stack, flip/roll, squeeze/expand, tile/repeat; and
PyTorch's names for them (``cat``, ``permute``, ``unsqueeze``, ``transpose``, ``flatten``, ``split``, ``chunk``,
``narrow``, ``unbind``)."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _d
from ..dispatch import apply
from ..ops.manipulation import (
    BROADCAST_TO,
    CONCAT,
    EXPAND_DIMS,
    FLIP,
    MATRIX_TRANSPOSE,
    MOVEAXIS,
    PERMUTE_DIMS,
    REPEAT,
    RESHAPE,
    ROLL,
    SQUEEZE,
    STACK,
    TILE,
)
from ..array_object import Tensor
from ..shapes import as_index, as_indices, broadcast_shapes, normalize_axes, normalize_axis, normalize_shape
from ._checks import array, same_device
from .aliases import axis_of
from .data_types import astype

__all__ = ["broadcast_arrays", "broadcast_to", "cat", "chunk", "concat", "expand_dims", "flatten", "flip",
           "matrix_transpose", "moveaxis", "narrow", "permute", "permute_dims", "repeat", "reshape", "roll", "split",
           "squeeze", "stack", "tile", "transpose", "unbind", "unsqueeze", "unstack"]


def reshape(x, /, shape, *, copy: bool | None = None) -> Tensor:
    array(x, "reshape")
    shape = as_indices(shape, "shape", "reshape") if isinstance(shape, (list, tuple)) else \
        (as_index(shape, "shape", "reshape"),)
    n_unknown = shape.count(-1)
    known = -math.prod(shape) if n_unknown == 1 else math.prod(shape)  # C-level: reshape runs in gradient rules
    size = x.size
    if n_unknown > 1 or min(shape, default=0) < -1:
        raise ValueError(f"reshape: invalid target shape {shape} for an array of shape {x.shape}")
    if n_unknown:
        if known == 0 or size % known:
            raise ValueError(f"reshape: cannot reshape an array of shape {x.shape} into {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise ValueError(f"reshape: cannot reshape an array of shape {x.shape} (size {size}) into {shape}")
    params = {"shape": shape} if copy is None else {"shape": shape, "copy": copy}
    return apply(RESHAPE, (x,), params, x._dtype)


def permute_dims(x, /, axes) -> Tensor:
    array(x, "permute_dims")
    axes = tuple(axes)
    if sorted(normalize_axis(a, x.ndim, "permute_dims") for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute_dims: axes {axes} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    axes = tuple(a % x.ndim for a in axes)
    return apply(PERMUTE_DIMS, (x,), {"axes": axes}, x._dtype)


def matrix_transpose(x, /) -> Tensor:
    array(x, "matrix_transpose")
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: needs at least 2 dimensions, got shape {x.shape}")
    return apply(MATRIX_TRANSPOSE, (x,), {}, x._dtype)


def broadcast_to(x, /, shape) -> Tensor:
    array(x, "broadcast_to")
    shape = normalize_shape(shape, "broadcast_to")
    if broadcast_shapes(x.shape, shape, op="broadcast_to") != shape:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    return apply(BROADCAST_TO, (x,), {"shape": shape}, x._dtype)


def broadcast_arrays(*arrays) -> list[Tensor]:
    for a in arrays:
        array(a, "broadcast_arrays")
    if not arrays:
        return []
    same_device(arrays, "broadcast_arrays")
    shape = broadcast_shapes(*(a.shape for a in arrays), op="broadcast_arrays")
    return [broadcast_to(a, shape) for a in arrays]


def expand_dims(x, /, axis: int = 0) -> Tensor:
    array(x, "expand_dims")
    axes = normalize_axes(axis, x.ndim + (len(axis) if isinstance(axis, (list, tuple)) else 1), "expand_dims")
    return apply(EXPAND_DIMS, (x,), {"axis": axes if len(axes) > 1 else axes[0]}, x._dtype)


def squeeze(x, /, axis=None, *, dim=None) -> Tensor:
    """The standard's squeeze of ``axis`` (size 1 or ValueError). PyTorch's spellings: no axis squeezes every
    size-1 axis, and ``dim=`` skips the named axes that are not of size 1."""
    array(x, "squeeze")
    if dim is not None:
        axes = normalize_axes(axis_of("squeeze", axis, dim), x.ndim, "squeeze")
        axes = tuple(a for a in axes if x.shape[a] == 1)
    elif axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axes(axis, x.ndim, "squeeze")
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1")
    return apply(SQUEEZE, (x,), {"axis": axes}, x._dtype)


def unsqueeze(x, /, dim: int) -> Tensor:
    """PyTorch's name for ``expand_dims``: a new axis of size 1 at ``dim``."""
    return expand_dims(x, axis=dim)


def moveaxis(x, source, destination, /) -> Tensor:
    array(x, "moveaxis")
    src = normalize_axes(source, x.ndim, "moveaxis")
    dst = normalize_axes(destination, x.ndim, "moveaxis")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source} and destination {destination} differ in length")
    return apply(MOVEAXIS, (x,), {"source": src, "destination": dst}, x._dtype)


def flip(x, /, dims=None, *, axis=None) -> Tensor:
    array(x, "flip")
    axes = normalize_axes(axis_of("flip", axis, dims), x.ndim, "flip")
    return apply(FLIP, (x,), {"axis": axes}, x._dtype)


def roll(x, /, shift, *, axis=None) -> Tensor:
    array(x, "roll")
    if axis is not None:
        axis = normalize_axes(axis, x.ndim, "roll")
        shift = tuple(as_index(s, "shift", "roll") for s in shift) if isinstance(shift, (list, tuple)) else \
            as_index(shift, "shift", "roll")
        if isinstance(shift, int):
            shift = (shift,) * len(axis) if len(axis) > 1 else shift
        if isinstance(shift, tuple) and len(shift) != len(axis):
            raise ValueError(f"roll: shift {shift} and axis {axis} differ in length")
    return apply(ROLL, (x,), {"shift": shift, "axis": axis}, x._dtype)


def _joined(arrays, op):
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError(f"{op}: needs at least one array")
    for a in arrays:
        array(a, op)
    same_device(arrays, op)
    dt = arrays[0]._dtype
    for a in arrays[1:]:
        dt = _d.promote_types(dt, a._dtype, op)
    if any(a._dtype is not dt for a in arrays):
        arrays = tuple(a if a._dtype is dt else astype(a, dt) for a in arrays)
    return arrays, dt


def concat(arrays, /, dim=None, *, axis: int | None = 0) -> Tensor:
    """Join along ``axis`` (PyTorch: ``cat(tensors, dim)``)."""
    if dim is not None:
        axis = dim
    arrays, dt = _joined(arrays, "concat")
    if axis is None:
        arrays = tuple(reshape(a, (-1,)) for a in arrays)
        axis = 0
    else:
        nd = arrays[0].ndim
        if nd == 0:
            raise ValueError("concat: zero-dimensional arrays cannot be concatenated")
        axis = normalize_axis(axis, nd, "concat")
        ref = arrays[0].shape
        for a in arrays[1:]:
            if a.ndim != nd or any(s != r for i, (s, r) in enumerate(zip(a.shape, ref)) if i != axis):
                shapes = ", ".join(str(b.shape) for b in arrays)
                raise ValueError(f"concat: shapes {shapes} differ off axis {axis}")
    return apply(CONCAT, arrays, {"axis": axis}, dt)


def stack(arrays, /, dim=None, *, axis: int = 0) -> Tensor:
    if dim is not None:
        axis = dim
    arrays, dt = _joined(arrays, "stack")
    ref = arrays[0].shape
    for a in arrays[1:]:
        if a.shape != ref:
            raise ValueError(f"stack: all arrays must have one shape, got {', '.join(str(b.shape) for b in arrays)}")
    axis = normalize_axis(axis, len(ref) + 1, "stack")
    return apply(STACK, arrays, {"axis": axis}, dt)


def unstack(x, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    array(x, "unstack")
    axis = normalize_axis(axis, x.ndim, "unstack")
    lead = (slice(None),) * axis
    return tuple(x[lead + (i,)] for i in range(x.shape[axis]))


def tile(x, /, repetitions) -> Tensor:
    array(x, "tile")
    reps = normalize_shape(repetitions, "tile", "repetitions")
    return apply(TILE, (x,), {"repetitions": reps}, x._dtype)


def repeat(x, repeats, /, *, axis: int | None = None) -> Tensor:
    array(x, "repeat")
    if axis is not None:
        axis = normalize_axis(axis, x.ndim, "repeat")
    if isinstance(repeats, Tensor):
        if repeats._dtype.kind not in ("int", "uint"):
            raise TypeError(f"repeat: repeats must be integers, got dtype {repeats._dtype.name}")
        repeats = repeats._backend.to_host(repeats._data)
    elif isinstance(repeats, np.ndarray):
        if repeats.dtype.kind not in "iu":
            raise TypeError(f"repeat: repeats must be integers, got dtype {repeats.dtype}")
    elif isinstance(repeats, (list, tuple)):
        repeats = as_indices(repeats, "repeats", "repeat")
    else:
        repeats = as_index(repeats, "repeats", "repeat")
    counts = np.asarray(repeats)
    if (counts < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats}")
    n = x.size if axis is None else x.shape[axis]
    if counts.ndim > 1 or counts.ndim == 1 and counts.size not in (1, n):
        raise ValueError(f"repeat: repeats of shape {counts.shape} do not match the {n} elements along "
                         f"{'the flattened array' if axis is None else f'axis {axis}'}")
    return apply(REPEAT, (x,), {"repeats": repeats, "axis": axis}, x._dtype)


# ---- PyTorch's names -----------------------------------------------------------------------------
cat = concat


def permute(x, /, dims) -> Tensor:
    """PyTorch's name for ``permute_dims``."""
    return permute_dims(x, dims)


def transpose(x, /, dim0: int, dim1: int) -> Tensor:
    """Swap two axes (PyTorch's ``transpose``; the standard's ``matrix_transpose`` swaps the last two)."""
    array(x, "transpose")
    a, b = normalize_axis(dim0, x.ndim, "transpose"), normalize_axis(dim1, x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return permute_dims(x, tuple(axes))


def flatten(x, /, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim``..``end_dim`` into one (a 0-d array becomes 1-D), as PyTorch's ``flatten``."""
    array(x, "flatten")
    shape = x.shape
    if not shape:
        return reshape(x, (1,))
    s, e = normalize_axis(start_dim, x.ndim, "flatten"), normalize_axis(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
    return reshape(x, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def narrow(x, /, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries of ``dim`` from ``start`` (a view), as PyTorch's ``narrow``."""
    array(x, "narrow")
    axis = normalize_axis(dim, x.ndim, "narrow")
    n = x.shape[axis]
    start = start + n if start < 0 else start
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start {start} and length {length} do not fit dim {dim} of shape {x.shape}")
    return x[(slice(None),) * axis + (slice(start, start + length),)]


def split(x, /, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's ``split``: pieces of ``split_size`` along ``dim`` (the last one smaller), or of the listed sizes."""
    array(x, "split")
    axis = normalize_axis(dim, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of dim {dim} of shape {x.shape}")
    out, start = [], 0
    for size in sizes:
        out.append(x[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return tuple(out)


def chunk(x, /, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's ``chunk``: at most ``chunks`` pieces of ``ceil(n / chunks)`` along ``dim``."""
    array(x, "chunk")
    if isinstance(chunks, bool) or not isinstance(chunks, int) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    n = x.shape[normalize_axis(dim, x.ndim, "chunk")]
    return split(x, max(-(-n // chunks), 1), dim)


def unbind(x, /, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's name for ``unstack``."""
    return unstack(x, axis=dim)
