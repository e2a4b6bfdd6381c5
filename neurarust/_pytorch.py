"""PyTorch's meaning for the few top-level names where PyTorch and the array API standard disagree.

nr_core is the standard's namespace (array-API consumers rely on ``nr.std(x)`` having ``correction=0`` and
``nr.equal`` being elementwise), so it keeps the standard's meaning when a call is ambiguous. ``neurarust`` is
PyTorch's namespace: ``import neurarust as torch`` must give PyTorch's results for the same call, so these names
are rebound here, each a thin call into nr_core with PyTorch's defaults.
"""
from __future__ import annotations

import nr_core as _nr

__all__ = ["equal", "nonzero", "sort", "squeeze", "std", "trace", "var", "where"]

# nr_core.trace is its tracer package; PyTorch's trace is the function
from nr_core.api.linalg import torch_trace as trace  # noqa: E402


def _unbiased(dim, unbiased, correction):
    # torch.std(x, True) is the old (input, unbiased) overload
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is None and correction is None:
        unbiased = True  # PyTorch's default: Bessel's correction
    return dim, unbiased


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, unbiased = _unbiased(dim, unbiased, correction)
    return _nr.std(input, dim=dim, unbiased=unbiased, keepdim=keepdim, correction=correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, unbiased = _unbiased(dim, unbiased, correction)
    return _nr.var(input, dim=dim, unbiased=unbiased, keepdim=keepdim, correction=correction)


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` along ``dim`` (the last by default); always stable, which PyTorch allows."""
    return _nr.sort(input, dim=dim, descending=descending)


def squeeze(input, dim=None):
    """Every size-1 axis, or those of ``dim`` that have size 1 (others are left alone, as PyTorch)."""
    return _nr.squeeze(input) if dim is None else _nr.squeeze(input, dim=dim)


def equal(input, other) -> bool:
    """Whether both have the same shape and elements (PyTorch's ``equal``; ``nr.equal`` is elementwise)."""
    if not isinstance(input, _nr.Tensor) or not isinstance(other, _nr.Tensor):
        raise TypeError(f"equal: expected two nr arrays, got {type(input).__name__} and {type(other).__name__}")
    return input.shape == other.shape and bool(_nr.all(_nr.equal(input, other)))


def nonzero(input, *, as_tuple: bool = False):
    """The indices of the non-zero elements: an ``(n, ndim)`` int64 array, or the standard's tuple with
    ``as_tuple=True``."""
    if as_tuple:
        return _nr.nonzero(input) if input.ndim else _nr.nonzero(_nr.reshape(input, (1,)))
    if input.ndim == 0:
        return _nr.zeros((int(bool(input)), 0), dtype=_nr.int64, device=input.device)
    return _nr.stack(_nr.nonzero(input), axis=1)


def where(condition, input=None, other=None):
    """``where(c, x, y)`` as the standard; ``where(c)`` alone is ``nonzero(c, as_tuple=True)``, as PyTorch."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: expected where(condition) or where(condition, input, other)")
    return _nr.where(condition, input, other)
