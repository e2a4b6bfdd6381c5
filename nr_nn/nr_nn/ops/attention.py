"""``scaled_dot_product_attention`` as one op: scores, scale, additive mask, causal mask, softmax, dropout and the
product with the values in one kernel (the scores buffer is reused in place for every step), and a gradient rule
of four batched GEMMs and one softmax-backward pass; with its decomposition and kit samples.

Inputs ``(q, k, v, bias, keep)``: ``bias`` an additive float mask broadcastable to the scores (or None), ``keep``
the dropout multiplier (0 or 1/(1-p) per weight, drawn by the caller from ``nr.random``, or None), so the op itself
is deterministic. Outputs ``(out, weights)``, the weights being the softmax before dropout (what the backward reads
and ``MultiheadAttention`` reports).
"""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.optable import OpDef

from .softmax import softmax

ATTENTION = OpDef("scaled_dot_product_attention", "nn", 5, "real floating-point", primitive=False, nout=2)


def attention(q, k, v, bias, keep, scale: float, causal: bool):
    """(softmax(q k^T * scale + bias [+ causal]) * keep) @ v and the softmax; arguments checked by the caller."""
    return apply(ATTENTION, (q, k, v, bias, keep), {"scale": float(scale), "causal": bool(causal)}, q.dtype)


def causal_bias(n_q: int, n_k: int, dtype, device):
    """0 on and below the diagonal (query i sees keys 0..i, top-left aligned as torch's is_causal), -inf above."""
    keep = nr.tril(nr.ones((n_q, n_k), dtype=nr.bool, device=device))
    return nr.where(keep, nr.zeros((n_q, n_k), dtype=dtype, device=device), float("-inf"))


def attention_decomposition(q, k, v, bias, keep, scale, causal):
    scores = nr.matmul(q, nr.matrix_transpose(k)) * scale
    if bias is not None:
        scores = scores + bias
    if causal:
        scores = scores + causal_bias(q.shape[-2], k.shape[-2], q.dtype, q.device)
    weights = softmax(scores, scores.ndim - 1)
    return nr.matmul(weights if keep is None else weights * keep, v), weights


def _sum_to(t, shape):
    """``t`` summed down to ``shape`` (the inverse of broadcasting it up)."""
    if t.shape == tuple(shape):
        return t
    lead = t.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and t.shape[lead + i] != 1)
    return nr.reshape(nr.sum(t, axis=axes, keepdims=True), shape) if axes else t


def attention_vjp(ctx, grads):
    g_out, g_w = grads
    q, k, v, bias, keep = ctx.inputs
    _, w = ctx.out
    need_q, need_k, need_v, need_bias, need_keep = ctx.needs
    scale = ctx.params["scale"]
    gq = gk = gv = gbias = gkeep = None
    gw = g_w
    if g_out is not None:
        dropped = w if keep is None else w * keep
        if need_v:
            gv = _sum_to(nr.matmul(nr.matrix_transpose(dropped), g_out), v.shape)
        g_dropped = nr.matmul(g_out, nr.matrix_transpose(v))
        if need_keep:
            gkeep = _sum_to(g_dropped * w, keep.shape)
        g_drop = g_dropped if keep is None else g_dropped * keep
        gw = g_drop if gw is None else gw + g_drop
    if gw is not None and (need_q or need_k or need_bias):
        g_scores = w * (gw - nr.sum(gw * w, axis=-1, keepdims=True))  # softmax backward
        if need_bias:
            gbias = _sum_to(g_scores, bias.shape)
        g_scores = g_scores * scale
        if need_q:
            gq = _sum_to(nr.matmul(g_scores, k), q.shape)
        if need_k:
            gk = _sum_to(nr.matmul(nr.matrix_transpose(g_scores), q), k.shape)
    return gq, gk, gv, gbias, gkeep


OPS = [(ATTENTION, attention_decomposition, attention_vjp)]


# ---- kit samples ----------------------------------------------------------------------------------
def attention_ref(q, k, v, bias, keep, scale, causal):
    s = np.einsum("...le,...se->...ls", q.astype(np.float64), k) * scale
    if bias is not None:
        s = s + bias
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], dtype=bool)), s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    out = np.einsum("...ls,...sv->...lv", w if keep is None else w * keep, v)
    return out.astype(q.dtype), w.astype(q.dtype)


# (q, k, v shapes, bias shape or None, causal, dropout p)
_CASES = [((2, 3, 4), (2, 5, 4), (2, 5, 3), None, False, 0.0),
          ((1, 2, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2), (3, 3), True, 0.0),
          ((2, 3, 4), (2, 4, 4), (2, 4, 2), (2, 1, 4), False, 0.5),
          ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), (2, 1, 1, 5), True, 0.25)]


def attention_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        for i, (qs, ks, vs, bs, causal, p) in enumerate(_CASES):
            q, k, v = (values(s, dt, -1.5, 1.5, key=(i, n)) for n, s in zip("qkv", (qs, ks, vs)))
            bias = None if bs is None else values(bs, dt, -1.0, 1.0, key=(i, "b"))
            keep = None
            if p:
                draw = np.random.default_rng(i).random(qs[:-1] + ks[-2:-1])
                keep = ((draw >= p) / (1.0 - p)).astype(dt.numpy)
            kw = {"scale": 1.0 / np.sqrt(qs[-1]) if i % 2 == 0 else 0.7, "causal": causal}
            yield Sample(name, (q, k, v, bias, keep), kw, call=attention, ref=attention_ref, label=f"{dt.name}-{i}")
        # a boolean mask turned additive: -inf where a query may not look
        q, k, v = (values((2, 3, 4), dt, key=("m", n)) for n in "qkv")
        allowed = np.random.default_rng(7).random((3, 3)) > 0.4
        allowed[:, 0] = True
        bias = np.where(allowed, 0.0, -np.inf).astype(dt.numpy)
        yield Sample(name, (q, k, v, bias, None), {"scale": 0.5, "causal": False}, call=attention, ref=attention_ref,
                     label=f"{dt.name}-inf-mask", grad=False)


SAMPLES = {"scaled_dot_product_attention": attention_samples}
