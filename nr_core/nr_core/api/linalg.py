"""The ``linalg`` extension of the array API 2024.12 (``nr.linalg``): factorisations, solves, norms and products.

Every function checks its input, then runs its op-table entry through the dispatcher (a backend kernel, or
the decomposition in ``nr_core/ops/linalg.py`` where the backend has none).
"""
from __future__ import annotations

from typing import NamedTuple

import contextlib

import numpy as np

from .. import dtypes as _d
from ..dispatch import apply
from ..errors import LinAlgError, bad_dtype, device_mismatch
from ..optable import OPS
from ..shapes import broadcast_shapes, normalize_axes
from ..array_object import Tensor
from ._checks import array
from .data_types import astype
from .manipulation import matrix_transpose, permute_dims, reshape
from .products import matmul, tensordot, vecdot

__all__ = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm",
           "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd",
           "svdvals", "tensordot", "trace", "vecdot", "vector_norm",
           "LinAlgError", "EighResult", "QRResult", "SlogdetResult", "SVDResult"]


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


# ---- checks ------------------------------------------------------------------------------------
def _one(name: str, x, *, square: bool = False, min_ndim: int = 2):
    """Validate the single array input of ``name``: its op's dtypes, at least ``min_ndim`` dims, square."""
    op = OPS[name]
    array(x, f"linalg.{name}")
    if x._dtype not in op.accepts:
        raise bad_dtype(op, x._dtype)
    if x.ndim < min_ndim:
        raise ValueError(f"linalg.{name}: needs an array of at least {min_ndim} dimensions, got shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"linalg.{name}: needs square matrices in the last two dimensions, got shape {x.shape}")
    return op


def _two(name: str, x1, x2):
    """Validate a pair: arrays on one device whose promoted dtype the op accepts; cast both to it."""
    op = OPS[name]
    array(x1, f"linalg.{name}")
    array(x2, f"linalg.{name}")
    if x1._device is not x2._device:
        raise device_mismatch(f"linalg.{name}", x1, x2)
    dt = _d.promote_types(x1._dtype, x2._dtype, f"linalg.{name}")
    if dt not in op.accepts:
        raise bad_dtype(op, x1._dtype, x2._dtype)
    return op, dt, (x1 if x1._dtype is dt else astype(x1, dt)), (x2 if x2._dtype is dt else astype(x2, dt))


def _rtol(name: str, x: Tensor, rtol):
    """(nr-level rtol, kernel rtol); the default is the standard's ``max(M, N) * eps``."""
    if rtol is None:
        rtol = max(x.shape[-2:]) * float(np.finfo(_d.real_dtype(x._dtype).numpy).eps)
    if isinstance(rtol, Tensor):
        if rtol._device is not x._device:
            raise device_mismatch(f"linalg.{name}", x, rtol)
        if rtol._dtype.kind not in ("float", "int", "uint"):
            raise TypeError(f"linalg.{name}: rtol must be real, got dtype {rtol._dtype.name}")
        broadcast_shapes(rtol.shape, x.shape[:-2], op=f"linalg.{name} (rtol against the stack shape)")
        return rtol, rtol._data
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)):
        raise TypeError(f"linalg.{name}: rtol must be a real number or an nr array, got {rtol!r}")
    return float(rtol), float(rtol)


@contextlib.contextmanager
def _matrix_errors(name: str, *arrays):
    """A backend's LinAlgError (NumPy's, CuPy's) as ``nr.linalg.LinAlgError`` naming the op and the shapes."""
    try:
        yield
    except Exception as exc:
        if type(exc).__name__ != "LinAlgError" or isinstance(exc, LinAlgError):
            raise
        shapes = " and ".join(str(a.shape) for a in arrays)
        raise LinAlgError(f"linalg.{name}: {str(exc).rstrip('.').lower() or 'failed'} (input of shape {shapes})") \
            from None


# ---- factorisations ----------------------------------------------------------------------------
def cholesky(x, /, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of Hermitian positive-definite matrices (lower, or upper with ``upper=True``)."""
    op = _one("cholesky", x, square=True)
    with _matrix_errors("cholesky", x):
        return apply(op, (x,), {"upper": bool(upper)}, x._dtype)


def eigh(x, /) -> EighResult:
    """Eigenvalues (ascending, real) and eigenvectors of Hermitian matrices."""
    op = _one("eigh", x, square=True)
    with _matrix_errors("eigh", x):
        return EighResult(*apply(op, (x,), {}, (_d.real_dtype(x._dtype), x._dtype)))


def eigvalsh(x, /) -> Tensor:
    op = _one("eigvalsh", x, square=True)
    with _matrix_errors("eigvalsh", x):
        return apply(op, (x,), {}, _d.real_dtype(x._dtype))


def qr(x, /, *, mode: str = "reduced") -> QRResult:
    if mode not in ("reduced", "complete"):
        raise ValueError(f"linalg.qr: mode must be 'reduced' or 'complete', got {mode!r}")
    op = _one("qr", x)
    with _matrix_errors("qr", x):
        return QRResult(*apply(op, (x,), {"mode": mode}, (x._dtype, x._dtype)))


def svd(x, /, *, full_matrices: bool = True) -> SVDResult:
    op = _one("svd", x)
    with _matrix_errors("svd", x):
        return SVDResult(*apply(op, (x,), {"full_matrices": bool(full_matrices)},
                                (x._dtype, _d.real_dtype(x._dtype), x._dtype)))


def svdvals(x, /) -> Tensor:
    op = _one("svdvals", x)
    with _matrix_errors("svdvals", x):
        return apply(op, (x,), {}, _d.real_dtype(x._dtype))


# ---- inverses, determinants, solves ------------------------------------------------------------
def det(x, /) -> Tensor:
    op = _one("det", x, square=True)
    with _matrix_errors("det", x):
        return apply(op, (x,), {}, x._dtype)


def slogdet(x, /) -> SlogdetResult:
    """Sign (or phase, for complex input) and natural log of the absolute value of the determinant."""
    op = _one("slogdet", x, square=True)
    with _matrix_errors("slogdet", x):
        return SlogdetResult(*apply(op, (x,), {}, (x._dtype, _d.real_dtype(x._dtype))))


def inv(x, /) -> Tensor:
    op = _one("inv", x, square=True)
    with _matrix_errors("inv", x):
        return apply(op, (x,), {}, x._dtype)


def pinv(x, /, *, rtol=None) -> Tensor:
    """Moore-Penrose pseudo-inverse; singular values at most ``rtol`` times the largest are dropped."""
    op = _one("pinv", x)
    rtol, krtol = _rtol("pinv", x, rtol)
    with _matrix_errors("pinv", x):
        return apply(op, (x,), {"rtol": rtol}, x._dtype, {"rtol": krtol})


def matrix_rank(x, /, *, rtol=None) -> Tensor:
    op = _one("matrix_rank", x)
    rtol, krtol = _rtol("matrix_rank", x, rtol)
    with _matrix_errors("matrix_rank", x):
        return apply(op, (x,), {"rtol": rtol}, _d.int64, {"rtol": krtol})


def matrix_power(x, n, /) -> Tensor:
    op = _one("matrix_power", x, square=True)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {n!r}")
    with _matrix_errors("matrix_power", x):
        return apply(op, (x,), {"n": int(n)}, x._dtype)


def solve(x1, x2, /) -> Tensor:
    """The solution of ``x1 @ x = x2``; a 1-D ``x2`` is one right-hand-side vector for every matrix."""
    op, dt, x1, x2 = _two("solve", x1, x2)
    if x1.ndim < 2 or x1.shape[-1] != x1.shape[-2]:
        raise ValueError(f"linalg.solve: x1 must be square matrices, got shape {x1.shape}")
    m = x1.shape[-1]
    if x2.ndim == 1:
        if x2.shape[0] != m:
            raise ValueError(f"linalg.solve: x1 {x1.shape} and vector x2 {x2.shape} differ in size")
    elif x2.ndim < 2 or x2.shape[-2] != m:
        raise ValueError(f"linalg.solve: x1 {x1.shape} and x2 {x2.shape} are not aligned (x2 must be (..., {m}, K))")
    else:
        broadcast_shapes(x1.shape[:-2], x2.shape[:-2], op="linalg.solve")
    with _matrix_errors("solve", x1, x2):
        return apply(op, (x1, x2), {}, dt)


# ---- products, norms, diagonals ----------------------------------------------------------------
def cross(x1, x2, /, *, axis: int = -1) -> Tensor:
    """Cross product of 3-element vectors along ``axis`` (broadcasting the other axes)."""
    op, dt, x1, x2 = _two("cross", x1, x2)
    shape = broadcast_shapes(x1.shape, x2.shape, op="linalg.cross")
    nd = min(x1.ndim, x2.ndim)
    # the standard counts axis from the end; a non-negative axis is unambiguous only for equal ranks
    if isinstance(axis, bool) or not isinstance(axis, int) or not -nd <= axis < (nd if x1.ndim == x2.ndim else 0):
        raise ValueError(f"linalg.cross: axis {axis!r} must be in [-{nd}, -1] for shapes {x1.shape} and {x2.shape}")
    axis = axis - len(shape) if axis >= 0 else axis
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError(f"linalg.cross: shapes {x1.shape} and {x2.shape} must have size 3 along axis {axis}")
    return apply(op, (x1, x2), {"axis": axis}, dt)


def outer(x1, x2, /) -> Tensor:
    op, dt, x1, x2 = _two("outer", x1, x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"linalg.outer: needs two 1-D arrays, got shapes {x1.shape} and {x2.shape}")
    return apply(op, (x1, x2), {}, dt)


def diagonal(x, /, *, offset: int = 0) -> Tensor:
    """The ``offset``-th diagonal of each matrix in the last two dimensions (a view)."""
    op = _one("diagonal", x)
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(f"linalg.diagonal: offset must be an int, got {offset!r}")
    return apply(op, (x,), {"offset": offset}, x._dtype)


_TRACE_ACC = {"int": _d.int64, "uint": _d.uint64}


def trace(x, /, *, offset: int = 0, dtype=None) -> Tensor:
    op = _one("trace", x)
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(f"linalg.trace: offset must be an int, got {offset!r}")
    if dtype is not None and not isinstance(dtype, _d.DType):
        raise TypeError(f"linalg.trace: dtype must be an nr dtype, got {dtype!r}")
    out = dtype or _TRACE_ACC.get(x._dtype.kind, x._dtype)
    return apply(op, (x,), {"offset": offset, "dtype": out}, out)


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2) -> Tensor:
    """The ``ord``-norm over ``axis`` (all axes by default) of real or complex floating-point input."""
    op = _one("vector_norm", x, min_ndim=0)
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise ValueError(f"linalg.vector_norm: ord must be a real number (or ±inf), got {ord!r}")
    axes = normalize_axes(axis, x.ndim, "linalg.vector_norm")
    return apply(op, (x,), {"axis": axes, "keepdims": bool(keepdims), "ord": ord}, _d.real_dtype(x._dtype))


_MATRIX_ORDS = (1, 2, -1, -2, float("inf"), float("-inf"), "fro", "nuc")


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro") -> Tensor:
    op = _one("matrix_norm", x)
    if isinstance(ord, bool) or ord not in _MATRIX_ORDS:
        raise ValueError(f"linalg.matrix_norm: ord must be one of {_MATRIX_ORDS}, got {ord!r}")
    return apply(op, (x,), {"keepdims": bool(keepdims), "ord": ord}, _d.real_dtype(x._dtype))


# ---- PyTorch's top-level names (exported by nr_core itself, not by nr.linalg) ------------------------
def norm(x, /, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """PyTorch's ``norm``: ``"fro"`` (or 2) is the 2-norm of the entries over ``dim`` (all by default), a number
    ``p`` the vector ``p``-norm, ``"nuc"`` the nuclear norm of the matrices in the two ``dim`` axes."""
    array(x, "norm")
    if dtype is not None:
        x = astype(x, dtype)
    axes = normalize_axes(dim, x.ndim, "norm")
    if p == "nuc":
        axes = axes or tuple(range(x.ndim))
        if len(axes) != 2:
            raise ValueError(f"norm: p='nuc' needs two dims (matrices), got dim={dim!r} for shape {x.shape}")
        rest = tuple(i for i in range(x.ndim) if i not in axes)
        out = matrix_norm(permute_dims(x, rest + axes), ord="nuc")
        if keepdim:
            out = reshape(out, tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
        return out
    if p == "fro":
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return vector_norm(x, axis=axes, keepdims=keepdim, ord=p)


# ---- PyTorch's diagonal spellings (top-level in nr_core; the standard's are nr.linalg.diagonal/trace) ------------
def torch_diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal of the matrices spanned by ``dim1`` and ``dim2``, as the last axis (PyTorch's
    ``diagonal``; ``nr.linalg.diagonal`` uses the last two axes)."""
    from .manipulation import permute_dims
    from ..shapes import normalize_axis
    a, b = normalize_axis(dim1, input.ndim, "diagonal"), normalize_axis(dim2, input.ndim, "diagonal")
    if a == b:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2}")
    rest = [d for d in range(input.ndim) if d not in (a, b)]
    return diagonal(permute_dims(input, tuple(rest) + (a, b)), offset=offset)


def diag(input, diagonal: int = 0) -> Tensor:
    """PyTorch's ``diag``: the ``diagonal``-th diagonal of a matrix, or the square matrix with a vector on it."""
    from .creation import zeros
    if not isinstance(input, Tensor) or input.ndim not in (1, 2):
        raise ValueError(f"diag: expected a 1-D or 2-D nr array, got {getattr(input, 'shape', type(input).__name__)}")
    if input.ndim == 2:
        return torch_diagonal(input, diagonal)
    n, k = input.shape[0], diagonal
    out = zeros((n + abs(k), n + abs(k)), dtype=input._dtype, device=input._device)
    rows = [i + max(-k, 0) for i in range(n)]
    cols = [i + max(k, 0) for i in range(n)]
    from .creation import asarray
    from .indexing import scatter_add
    flat = asarray([r * (n + abs(k)) + c for r, c in zip(rows, cols)], device=input._device)
    return scatter_add(out.reshape((-1,)), 0, flat, input).reshape(out.shape)


def torch_trace(input) -> Tensor:
    """The sum of a matrix's main diagonal (PyTorch's ``trace``: 2-D input only)."""
    if not isinstance(input, Tensor) or input.ndim != 2:
        raise ValueError(f"trace: expected a 2-D nr array, got {getattr(input, 'shape', type(input).__name__)}")
    return trace(input)
