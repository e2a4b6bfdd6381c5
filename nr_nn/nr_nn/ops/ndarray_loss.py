"""Cross-entropy kernels for NumPy-like backends (class axis 1): the forward in a max, an exp, a sum and a pick; the
backward in one exp pass that is scaled in place, then a correction at each target's class."""
from __future__ import annotations

import numpy as np


def _picked_weights(xp, x, target, weight, ignore_index):
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    w_t = None if weight is None else weight[safe]
    wt = valid.astype(x.dtype) if weight is None else w_t * valid
    return valid, safe, w_t, wt


def _pick(xp, x, safe):
    """x[n, safe[n], ...]: fancy indexing for (N, C) (take_along_axis builds broadcast index arrays in Python:
    ~10 us a call), take_along_axis for more dims."""
    if x.ndim == 2:
        return x[xp.arange(x.shape[0]), safe]
    return xp.take_along_axis(x, safe[:, None], axis=1)[:, 0]


def _channel(xp, v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def cross_entropy(be, x, target, weight, ignore_index, label_smoothing, reduction):
    xp = be.xp
    c = x.shape[1]
    m = x.max(axis=1, keepdims=True)
    e = xp.subtract(x, m)
    xp.exp(e, out=e)
    lse = e.sum(axis=1)
    xp.log(lse, out=lse)
    lse += m[:, 0]
    valid, safe, _, wt = _picked_weights(xp, x, target, weight, ignore_index)
    loss = lse - _pick(xp, x, safe)
    loss *= wt
    if label_smoothing:
        sx = (x if weight is None else x * _channel(xp, weight, x.ndim)).sum(axis=1)
        smooth = lse * (float(c) if weight is None else weight.sum())
        smooth -= sx
        smooth *= valid
        smooth *= label_smoothing / c
        loss *= 1.0 - label_smoothing
        loss += smooth
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: NaN, as torch gives
            return xp.asarray(loss.sum() / wt.sum()), lse
    return (xp.asarray(loss.sum()) if reduction == "sum" else loss), lse


def cross_entropy_backward(be, x, target, weight, lse, g, g_lse, ignore_index, label_smoothing, reduction):
    xp = be.xp
    c, nd = x.shape[1], x.ndim
    gx = xp.subtract(x, xp.expand_dims(lse, 1))
    xp.exp(gx, out=gx)  # the softmax
    if g is None:
        if g_lse is None:
            return xp.zeros_like(x)
        gx *= xp.expand_dims(g_lse, 1)
        return gx
    valid, safe, w_t, wt = _picked_weights(xp, x, target, weight, ignore_index)
    eps = label_smoothing
    with np.errstate(invalid="ignore", divide="ignore"):
        coef = (g / wt.sum() if reduction == "mean" else g) * valid
    # d loss_i / d x_ij = coef_i * (p_ij * a_i - [j == t_i] * w_ti * (1 - eps) - eps / C * w_j)
    if weight is None:
        scale, pick = coef, coef * (1.0 - eps)
    else:
        scale = coef * (w_t * (1.0 - eps) + weight.sum() * (eps / c))
        pick = coef * w_t * (1.0 - eps)
    if g_lse is not None:
        scale = scale + g_lse
    gx *= xp.expand_dims(scale, 1)
    if nd == 2:  # one (row, target) cell per row: a fancy-indexed update, no index broadcasting
        gx[xp.arange(gx.shape[0]), safe] -= pick
    elif hasattr(xp, "put_along_axis"):
        at = safe[:, None]
        xp.put_along_axis(gx, at, xp.take_along_axis(gx, at, axis=1) - xp.expand_dims(pick, 1), axis=1)
    else:
        gx -= (xp.arange(c).reshape((1, c) + (1,) * (nd - 2)) == safe[:, None]) * xp.expand_dims(pick, 1)
    if eps:
        spread = xp.expand_dims(coef * (eps / c), 1)
        gx -= spread if weight is None else spread * _channel(xp, weight, nd)
    return gx


KERNELS = {"cross_entropy": cross_entropy, "cross_entropy_backward": cross_entropy_backward}
