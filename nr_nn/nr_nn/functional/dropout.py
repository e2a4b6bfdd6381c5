"""Dropout family: masks drawn from ``nr.random`` so ``nr.random.seed`` makes them reproducible."""
from __future__ import annotations

import warnings

import nr_core as nr

from ._checks import floating


def _check_p(fn, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{fn}: dropout probability must be between 0 and 1, got {p}")


def keep_scale(shape, p: float, dtype, device):
    """The dropout multiplier: 1/(1-p) where a uniform draw is at least ``p``, else 0 (all 0 for p = 1, no draw)."""
    if p == 1.0:
        return nr.zeros(shape, dtype=dtype, device=device)
    keep = nr.random.uniform(shape, dtype=dtype, device=device) >= p
    return nr.astype(keep, dtype) * (1.0 / (1.0 - p))


def _masked(x, p, mask_shape):
    if p == 1.0:
        return x * 0.0
    return x * keep_scale(mask_shape, p, x.dtype, x.device)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    x = floating(input, "dropout")
    _check_p("dropout", p)
    if not training or p == 0.0:
        return x
    return _masked(x, p, x.shape)


def _feature_dropout(fn, input, p, training, batched_ndim):
    x = floating(input, fn)
    _check_p(fn, p)
    if x.ndim not in (batched_ndim - 1, batched_ndim):
        raise ValueError(f"{fn}: expected a {batched_ndim - 1}-D or {batched_ndim}-D input, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    lead = 2 if x.ndim == batched_ndim else 1
    return _masked(x, p, x.shape[:lead] + (1,) * (x.ndim - lead))


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    return _feature_dropout("dropout1d", input, p, training, 3)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Channel dropout over (N, C, ...), as PyTorch 2.13: one mask value per (sample, channel), so a 2-D input is
    dropped elementwise and a 3-D one is read as (N, C, L); both warn, as PyTorch's do."""
    x = floating(input, "dropout2d")
    _check_p("dropout2d", p)
    if x.ndim < 2:
        raise ValueError(f"dropout2d: expected an input of at least 2 dimensions (N, C, ...), got shape {x.shape}")
    if x.ndim == 3:
        warnings.warn("dropout2d: a 3-D input is read as (N, C, L) and whole channels of each sample are dropped, "
                      "as PyTorch does; use dropout1d for that, or pass (N, C, H, W)", UserWarning, stacklevel=2)
    elif x.ndim != 4:
        warnings.warn(f"dropout2d: received a {x.ndim}-D input; dropout2d drops channels of (N, C, H, W) or "
                      "(C, H, W) inputs; use dropout for elementwise dropout", UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return x
    return _masked(x, p, x.shape[:2] + (1,) * (x.ndim - 2))


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    return _feature_dropout("dropout3d", input, p, training, 5)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout that keeps SELU's self-normalising mean and variance."""
    x = floating(input, "alpha_dropout")
    _check_p("alpha_dropout", p)
    if not training or p == 0.0:
        return x
    alpha_p = -1.7580993408473766
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    keep = nr.astype(nr.random.uniform(x.shape, dtype=x.dtype, device=x.device) >= p, x.dtype)
    return (x * keep + (1.0 - keep) * alpha_p) * a + b
