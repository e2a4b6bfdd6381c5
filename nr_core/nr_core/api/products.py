"""The main namespace's linear algebra: ``matmul``, ``tensordot``, ``vecdot`` (``matrix_transpose`` is in manipulation),
and PyTorch's matrix products built on them (``mm``, ``bmm``, ``addmm``, ``baddbmm``, ``dot``)."""
from __future__ import annotations

from .. import dtypes as _d
from ..dispatch import apply
from ..errors import bad_dtype, device_mismatch
from ..optable import OPS
from ..shapes import broadcast_shapes, normalize_axis
from ..array_object import Tensor
from ._checks import array
from .data_types import astype

__all__ = ["addmm", "baddbmm", "bmm", "dot", "matmul", "mm", "tensordot", "vecdot"]


def _pair(name, x1, x2):
    op = OPS[name]
    array(x1, name)
    array(x2, name)
    if x1._device is not x2._device:
        raise device_mismatch(name, x1, x2)
    dt = _d.promote_types(x1._dtype, x2._dtype, name)
    if dt not in op.accepts:
        raise bad_dtype(op, x1._dtype, x2._dtype)
    return op, (x1 if x1._dtype is dt else astype(x1, dt)), (x2 if x2._dtype is dt else astype(x2, dt)), dt


def matmul(x1, x2, /) -> Tensor:
    op, x1, x2, dt = _pair("matmul", x1, x2)
    s1, s2 = x1.shape, x2.shape
    if not s1 or not s2:
        raise ValueError(f"matmul: 0-d operands are not allowed, got shapes {s1} and {s2}")
    k1 = s1[-1]
    k2 = s2[0] if len(s2) == 1 else s2[-2]
    if k1 != k2:
        raise ValueError(f"matmul: shapes {s1} and {s2} are not aligned ({k1} != {k2})")
    if len(s1) > 2 or len(s2) > 2:
        broadcast_shapes(s1[:-2], s2[:-2] if len(s2) > 1 else (), op="matmul")
    return apply(op, (x1, x2), {}, dt)


def tensordot(x1, x2, /, *, axes=2) -> Tensor:
    op, x1, x2, dt = _pair("tensordot", x1, x2)
    if isinstance(axes, int):
        if axes < 0 or axes > min(x1.ndim, x2.ndim):
            raise ValueError(f"tensordot: axes={axes} is invalid for shapes {x1.shape} and {x2.shape}")
        a1 = tuple(range(x1.ndim - axes, x1.ndim))
        a2 = tuple(range(axes))
    else:
        a1, a2 = (tuple(a) for a in axes)
        if len(a1) != len(a2):
            raise ValueError(f"tensordot: axes {axes} pair up different numbers of axes")
        a1 = tuple(normalize_axis(a, x1.ndim, "tensordot") for a in a1)
        a2 = tuple(normalize_axis(a, x2.ndim, "tensordot") for a in a2)
    for i, j in zip(a1, a2):
        if x1.shape[i] != x2.shape[j]:
            raise ValueError(f"tensordot: shape {x1.shape} axis {i} and shape {x2.shape} axis {j} differ in size")
    return apply(op, (x1, x2), {"axes": (a1, a2)}, dt)


def vecdot(x1, x2, /, *, axis: int = -1) -> Tensor:
    op, x1, x2, dt = _pair("vecdot", x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(f"vecdot: 0-d operands are not allowed, got shapes {x1.shape} and {x2.shape}")
    shape = broadcast_shapes(x1.shape, x2.shape, op="vecdot")
    axis = normalize_axis(axis, len(shape), "vecdot")
    if axis - len(shape) < -min(x1.ndim, x2.ndim) or x1.shape[axis - len(shape)] != x2.shape[axis - len(shape)]:
        raise ValueError(f"vecdot: shapes {x1.shape} and {x2.shape} differ along axis {axis}")
    return apply(op, (x1, x2), {"axis": axis - len(shape)}, dt)


# ---- PyTorch's products ----------------------------------------------------------------------------
def _ranks(name, x1, x2, ndim):
    array(x1, name)
    array(x2, name)
    if x1.ndim != ndim or x2.ndim != ndim:
        raise ValueError(f"{name}: expects two {ndim}-D arrays, got shapes {x1.shape} and {x2.shape}")


def mm(x1, x2, /) -> Tensor:
    """The product of two matrices (PyTorch's ``mm``; no broadcasting)."""
    _ranks("mm", x1, x2, 2)
    return matmul(x1, x2)


def bmm(x1, x2, /) -> Tensor:
    """Batched matrix product of two 3-D arrays with one batch size (PyTorch's ``bmm``)."""
    _ranks("bmm", x1, x2, 3)
    if x1.shape[0] != x2.shape[0]:
        raise ValueError(f"bmm: batch sizes differ, shapes {x1.shape} and {x2.shape}")
    return matmul(x1, x2)


def dot(x1, x2, /) -> Tensor:
    """The inner product of two 1-D arrays of one length (PyTorch's ``dot``)."""
    _ranks("dot", x1, x2, 1)
    if x1.shape != x2.shape:
        raise ValueError(f"dot: lengths differ, shapes {x1.shape} and {x2.shape}")
    return vecdot(x1, x2)


def _scaled_sum(name, input, product, beta, alpha):
    array(input, name)
    out = product if alpha == 1 else product * alpha
    if beta == 0:  # as in PyTorch, input is then ignored (its NaNs do not propagate)
        return out
    return out + (input if beta == 1 else input * beta)


def addmm(input, mat1, mat2, /, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (PyTorch's ``addmm``)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input, batch1, batch2, /, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)`` (PyTorch's ``baddbmm``)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)
