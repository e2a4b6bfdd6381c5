"""The attention kernels for NumPy-like backends: one scores buffer (``q @ k^T``) scaled, masked and turned into the
softmax in place, then one batched GEMM with the values; the backward in four batched GEMMs around one
softmax-backward pass.

Rows of the scores are short (the keys of one query: tens to hundreds), and NumPy's reductions along a short last
axis cost several times a pass over the data (the row maxima of (16, 4, 32, 32) float32 scores: 190 us, the
exponentials 26 us). So the row sums are matrix-vector products with ones, and the softmax skips the row maxima
where it can: exp(s) / sum(exp(s)) equals the shifted form, up to rounding, wherever no exponential overflows and
no row's sum underflows, which one full maximum before and one minimum of the sums after confirm; otherwise (rows
of very negative scores, as an additive padding mask of -1e4 gives) it falls back to subtracting each row's maximum.
A query whose keys are all masked gets zero weights (torch's sdpa since 2.5; its softmax alone gives NaN).
"""
from __future__ import annotations

import numpy as np

# exp(60) * 10^12 keys stays finite in float32, and a row whose sum is at least exp(-60) has its largest term
# far above exp's underflow, so nothing the shifted form keeps is lost
_TOP, _LEAST = 60.0, float(np.exp(-60.0))


def _row_sums(xp, a):
    """Sums along the last axis, keepdims, as one GEMV (any contiguous float array)."""
    if a.dtype in (np.float32, np.float64) and a.flags.c_contiguous and a.size:
        rows = a.reshape(-1, a.shape[-1])
        return xp.matmul(rows, xp.ones(a.shape[-1], dtype=a.dtype)).reshape(a.shape[:-1] + (1,))
    return a.sum(axis=-1, keepdims=True)


def _softmax_last(xp, w):
    """The softmax of ``w`` (..., S) along its last axis, in place."""
    with np.errstate(invalid="ignore", over="ignore"):
        if w.size and w.dtype in (np.float32, np.float64) and w.flags.c_contiguous and w.max() <= _TOP:
            e = xp.exp(w)
            sums = _row_sums(xp, e)
            if sums.min() >= _LEAST:
                xp.divide(e, sums, out=w)
                return w
        # a query with every key masked (a row of -inf) gets zero weights, as torch's sdpa gives
        top = w.max(axis=-1, keepdims=True)
        top[top == -np.inf] = 0
        w -= top
        xp.exp(w, out=w)
        sums = _row_sums(xp, w)
        sums[sums == 0] = 1
        w /= sums
    return w


def attention(be, q, k, v, bias, keep, scale, causal, packed=False):
    xp = be.xp
    if packed:  # q holds query, key and value on a leading axis of 3
        q, k, v = q[0], q[1], q[2]
    w = xp.matmul(q, xp.swapaxes(k, -1, -2))
    w *= scale
    if bias is not None:
        w += bias
    if causal:
        n_q, n_k = w.shape[-2:]
        w[..., ~xp.tri(n_q, n_k, dtype=bool)] = -np.inf
    _softmax_last(xp, w)
    return xp.matmul(w if keep is None else w * keep, v), w


def _sum_to(xp, t, shape):
    """``t`` summed down to ``shape`` (the inverse of broadcasting it up)."""
    shape = tuple(shape)
    if t.shape == shape:
        return t
    lead = t.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and t.shape[lead + i] != 1)
    return t.sum(axis=axes).reshape(shape) if axes else t


def attention_backward(be, q, k, v, w, keep, g_out, g_w, scale, needs, packed=False):
    """(gq, gk, gv, gbias, gkeep) of ``attention``, gbias and gkeep summed to ``needs``' shapes (``needs`` a tuple
    of five: False, or the shape of the input to return a gradient for); an unwanted one is an empty (0,) array.
    ``packed``: q holds the three, and its gradient (the first output) the three gradients, stacked."""
    xp = be.xp
    if not packed:
        return _grads(xp, q, k, v, w, keep, g_out, g_w, scale, needs)
    whole = needs[0]
    part = False if whole is False else tuple(whole[1:])
    grads = _grads(xp, q[0], q[1], q[2], w, keep, g_out, g_w, scale, (part, part, part) + tuple(needs[3:]))
    none = xp.zeros((0,), dtype=w.dtype)
    stacked = none
    if whole is not False:
        stacked = xp.empty(whole, dtype=w.dtype)
        for i, g in enumerate(grads[:3]):
            stacked[i] = g if g.size else 0  # v gets nothing without g_out, q and k nothing without the weights'
    return stacked, none, none, grads[3], grads[4]


def _grads(xp, q, k, v, w, keep, g_out, g_w, scale, needs):
    """The five gradients for separate q, k and v (``attention_backward``'s unpacked form)."""
    none = xp.zeros((0,), dtype=w.dtype)
    need_q, need_k, need_v, need_bias, need_keep = needs
    gq = gk = gv = gbias = gkeep = none
    gw = g_w
    if g_out is not None:
        if need_v is not False:
            dropped = w if keep is None else w * keep
            gv = _sum_to(xp, xp.matmul(xp.swapaxes(dropped, -1, -2), g_out), need_v)
        g_drop = xp.matmul(g_out, xp.swapaxes(v, -1, -2))
        if need_keep is not False:
            gkeep = _sum_to(xp, g_drop * w, need_keep)
        if keep is not None:
            g_drop *= keep
        gw = g_drop if gw is None else g_drop + gw
    if gw is not None and (need_q is not False or need_k is not False or need_bias is not False):
        # softmax backward: w * (gw - sum(gw * w)), the row sums as one GEMV
        g_scores = xp.multiply(gw, w)
        xp.subtract(gw, _row_sums(xp, g_scores), out=g_scores)
        g_scores *= w
        if need_bias is not False:
            gbias = _sum_to(xp, g_scores, need_bias)
        if gbias is g_scores:
            g_scores = g_scores * scale
        else:
            g_scores *= scale
        if need_q is not False:
            gq = _sum_to(xp, xp.matmul(g_scores, k), need_q)
        if need_k is not False:
            gk = _sum_to(xp, xp.matmul(xp.swapaxes(g_scores, -1, -2), q), need_k)
    return gq, gk, gv, gbias, gkeep


KERNELS = {"scaled_dot_product_attention": attention, "attention_backward": attention_backward}
