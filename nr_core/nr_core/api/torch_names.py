"""PyTorch's top-level names that are thin compositions of the standard's functions (``nr.amax``,
``nr.movedim``, ``nr.cdist`` ...), grouped by family; each keeps PyTorch's signature and meaning. Names that
alias one standard function with extra keywords (``cat``, ``dim=``) live beside that function in its family's
module instead."""
from __future__ import annotations

import builtins

import nr_core as nr

from .. import dtypes as _d
from ..array_object import Tensor
from ..shapes import normalize_axis

__all__ = ["amax", "amin", "as_tensor", "bincount", "cdist", "clone", "column_stack", "dstack",
           "get_default_dtype", "get_rng_state", "hstack", "initial_seed", "is_floating_point", "is_tensor",
           "masked_select", "movedim", "nan_to_num", "neg", "normal", "numel", "repeat_interleave", "rsqrt",
           "seed", "set_default_dtype", "set_rng_state", "std_mean", "swapaxes", "t", "unique", "var_mean", "vstack"]


# ---- queries and creation ---------------------------------------------------------------------------------
def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.dtype.kind == "float"


def numel(input) -> int:
    return input.numel()


def clone(input) -> Tensor:
    return input.clone()


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """An array sharing ``data``'s memory where dtype and device allow (PyTorch's ``as_tensor``)."""
    return nr.asarray(data, dtype=dtype, device=device)


def get_default_dtype():
    return _d.default_float


def set_default_dtype(dtype) -> None:
    """The float dtype that creation functions and Python floats default to (float32 or float64)."""
    if dtype not in (nr.float32, nr.float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 can be the default, got {dtype}")
    _d.set_default_float(dtype)


# ---- random state -------------------------------------------------------------------------------------
def seed() -> int:
    """Seed the global generator from fresh entropy and return that seed."""
    import numpy as np
    s = int(np.random.SeedSequence().entropy % 2**63)
    nr.random.seed(s)
    return s


def initial_seed() -> int:
    return nr.random.initial_seed()


def get_rng_state():
    return nr.random.get_state()


def set_rng_state(state) -> None:
    nr.random.set_state(state)


def normal(mean, std, size=None, *, dtype=None, device=None):
    """Normal draws: ``normal(mean_array, std_array)`` elementwise, or ``normal(0.0, 1.0, size)``."""
    if size is not None:
        return nr.random.normal(tuple(size), float(mean), float(std), dtype=dtype, device=device)
    like = mean if isinstance(mean, Tensor) else std
    if not isinstance(like, Tensor):
        raise TypeError("normal: give size= when mean and std are both numbers")
    return mean + std * nr.randn(like.shape if not isinstance(std, Tensor) else
                                 nr.broadcast_shapes(getattr(mean, "shape", ()), std.shape),
                                 dtype=like.dtype, device=like.device)


# ---- math -------------------------------------------------------------------------------------------------
def neg(input) -> Tensor:
    return nr.negative(input)


def rsqrt(input) -> Tensor:
    return 1.0 / nr.sqrt(input)


def amax(input, dim=None, keepdim: bool = False) -> Tensor:
    return nr.max(input, axis=dim, keepdims=keepdim)


def amin(input, dim=None, keepdim: bool = False) -> Tensor:
    return nr.min(input, axis=dim, keepdims=keepdim)


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """NaN, +inf and -inf replaced (by default with 0 and the dtype's largest and smallest finite values)."""
    if input.dtype.kind != "float":
        return input.clone()
    info = nr.finfo(input.dtype)
    out = nr.where(nr.isnan(input), nan, input)
    out = nr.where(out == float("inf"), info.max if posinf is None else posinf, out)
    return nr.where(out == float("-inf"), info.min if neginf is None else neginf, out)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (input.std(dim, unbiased, keepdim, correction=correction),
            nr.mean(input, axis=dim, keepdims=keepdim))


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (input.var(dim, unbiased, keepdim, correction=correction),
            nr.mean(input, axis=dim, keepdims=keepdim))


def cdist(x1, x2, p: float = 2.0) -> Tensor:
    """Pairwise ``p``-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M)."""
    diff = nr.expand_dims(x1, axis=-2) - nr.expand_dims(x2, axis=-3)
    if p == 2.0:
        return nr.sqrt(nr.sum(diff * diff, axis=-1))
    if p == 1.0:
        return nr.sum(nr.abs(diff), axis=-1)
    if p == float("inf"):
        return nr.max(nr.abs(diff), axis=-1)
    return nr.sum(nr.abs(diff) ** p, axis=-1) ** (1.0 / p)


# ---- shapes -----------------------------------------------------------------------------------------------
def t(input) -> Tensor:
    return input.t()


def swapaxes(input, axis0: int, axis1: int) -> Tensor:
    return input.transpose(axis0, axis1)


def movedim(input, source, destination) -> Tensor:
    """Axes ``source`` moved to positions ``destination`` (ints or sequences), the others in order."""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} differ in length")
    n = input.ndim
    src = [normalize_axis(s, n, "movedim") for s in src]
    dst = [normalize_axis(d, n, "movedim") for d in dst]
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(a for a in range(n) if a not in src)
    return nr.permute_dims(input, tuple(o if o is not None else next(rest) for o in order))


def hstack(tensors) -> Tensor:
    tensors = list(tensors)
    return nr.concat(tensors, axis=0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return nr.concat([x if x.ndim >= 2 else nr.reshape(x, (1, -1)) for x in tensors], axis=0)


def column_stack(tensors) -> Tensor:
    return nr.concat([x if x.ndim >= 2 else nr.reshape(x, (-1, 1)) for x in tensors], axis=1)


def dstack(tensors) -> Tensor:
    def as3(x):
        return nr.reshape(x, (1, -1, 1)) if x.ndim == 1 else (nr.expand_dims(x, axis=-1) if x.ndim == 2 else x)
    return nr.concat([as3(x) for x in tensors], axis=2)


def repeat_interleave(input, repeats, dim=None) -> Tensor:
    """Each element repeated ``repeats`` times along ``dim`` (the flattened input when None)."""
    x = nr.reshape(input, (-1,)) if dim is None else input
    return nr.repeat(x, repeats, axis=0 if dim is None else dim)


# ---- selection and counting -------------------------------------------------------------------------------
def masked_select(input, mask) -> Tensor:
    return input.masked_select(mask)


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The sorted unique values of the flattened input, with the inverse indices (input's shape) and counts
    when asked, as PyTorch's ``unique`` (``dim`` not supported)."""
    if dim is not None:
        raise TypeError("unique: dim= is not supported; use nr.unique_values on the flattened input")
    if not return_inverse and not return_counts:
        return nr.unique_values(input) if not sorted else nr.sort(nr.unique_values(input))
    res = nr.unique_all(input)
    order = nr.argsort(res.values)
    values = nr.take(res.values, order, axis=0)
    out = [values]
    if return_inverse:
        rank = nr.argsort(order)  # position of each old unique value in the sorted list
        out.append(nr.reshape(nr.take(rank, nr.reshape(res.inverse_indices, (-1,)), axis=0), input.shape))
    if return_counts:
        out.append(nr.take(res.counts, order, axis=0))
    return tuple(out)


def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """Occurrences of each non-negative int of the 1-D ``input`` (summed ``weights`` when given)."""
    if input.ndim != 1 or input.dtype.kind not in ("int", "uint"):
        raise ValueError(f"bincount: expected a 1-D integer array, got {input.dtype} of shape {input.shape}")
    if input.shape[0] and bool(nr.any(input < 0)):
        raise ValueError("bincount: input must hold non-negative ints")
    n = builtins.max(int(nr.max(input)) + 1 if input.shape[0] else 0, minlength)
    hot = nr.astype(nr.expand_dims(input, axis=1) == nr.arange(n, device=input.device),
                    nr.int64 if weights is None else weights.dtype)
    return nr.sum(hot if weights is None else hot * nr.expand_dims(weights, axis=1), axis=0)
