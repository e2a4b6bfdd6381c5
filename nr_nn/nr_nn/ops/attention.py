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
from nr_core.grad_mode import state as _grad_state
from nr_core.optable import OpDef

from .softmax import softmax

ATTENTION = OpDef("scaled_dot_product_attention", "nn", 5, "real floating-point", primitive=False, nout=2)
# (q, k, v, weights, keep, g_out, g_weights) -> (gq, gk, gv, gbias, gkeep): the gradient rule in one kernel call
# where no graph is being built; ``needs`` holds, per input of the forward, False or the shape to sum its
# gradient to (an unwanted gradient comes back as an empty (0,) array)
ATTENTION_BACKWARD = OpDef("attention_backward", "nn", 7, "real floating-point", differentiable=False,
                           primitive=False, nout=5)


def attention(q, k, v, bias, keep, scale: float, causal: bool, packed: bool = False):
    """(softmax(q k^T * scale + bias [+ causal]) * keep) @ v and the softmax; arguments checked by the caller.
    ``packed``: q holds query, key and value stacked on a leading axis of 3 (k and v None), as self-attention's
    packed projection makes them: its gradient then comes back as one array, where three slices of it would each
    scatter a full-size gradient."""
    params = {"scale": float(scale), "causal": bool(causal)}
    if packed:
        params["packed"] = True
    return apply(ATTENTION, (q, k, v, bias, keep), params, q.dtype)


def causal_bias(n_q: int, n_k: int, dtype, device):
    """0 on and below the diagonal (query i sees keys 0..i, top-left aligned as torch's is_causal), -inf above."""
    keep = nr.tril(nr.ones((n_q, n_k), dtype=nr.bool, device=device))
    return nr.where(keep, nr.zeros((n_q, n_k), dtype=dtype, device=device), float("-inf"))


def attention_decomposition(q, k, v, bias, keep, scale, causal, packed=False):
    if packed:
        q, k, v = q[0], q[1], q[2]
    scores = nr.matmul(q, nr.matrix_transpose(k)) * scale
    if bias is not None:
        scores = scores + bias
    if causal:
        scores = scores + causal_bias(q.shape[-2], k.shape[-2], q.dtype, q.device)
    if bias is None and not causal:
        weights = softmax(scores, scores.ndim - 1)
    else:  # a query with every key masked gets zero weights (and no NaN in any gradient), as torch's sdpa
        dead = nr.max(scores, axis=-1, keepdims=True) == float("-inf")
        weights = softmax(nr.where(dead, 0.0, scores), scores.ndim - 1)
        weights = nr.where(dead, 0.0, weights)
    return nr.matmul(weights if keep is None else weights * keep, v), weights


def _sum_to(t, shape):
    """``t`` summed down to ``shape`` (the inverse of broadcasting it up)."""
    if t.shape == tuple(shape):
        return t
    lead = t.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and t.shape[lead + i] != 1)
    return nr.reshape(nr.sum(t, axis=axes, keepdims=True), shape) if axes else t


def attention_backward(q, k, v, w, keep, g_out, g_w, scale: float, needs: tuple, packed: bool = False):
    params = {"scale": float(scale), "needs": needs}
    if packed:
        params["packed"] = True
    return apply(ATTENTION_BACKWARD, (q, k, v, w, keep, g_out, g_w), params, q.dtype)


def attention_backward_decomposition(q, k, v, w, keep, g_out, g_w, scale, needs, packed=False):
    if not packed:
        return _grads(q, k, v, w, keep, g_out, g_w, scale, needs)
    whole = needs[0]
    part = False if whole is False else tuple(whole[1:])
    grads = _grads(q[0], q[1], q[2], w, keep, g_out, g_w, scale, (part, part, part) + tuple(needs[3:]))
    none = nr.zeros((0,), dtype=w.dtype, device=w.device)
    stacked = none
    if whole is not False:
        stacked = nr.stack([g if g.shape == part else nr.zeros(part, dtype=w.dtype, device=w.device)
                            for g in grads[:3]])
    return stacked, none, none, grads[3], grads[4]


def _grads(q, k, v, w, keep, g_out, g_w, scale, needs):
    """The five gradients for separate q, k and v, in nr ops."""
    need_q, need_k, need_v, need_bias, need_keep = needs
    none = nr.zeros((0,), dtype=w.dtype, device=w.device)
    gq = gk = gv = gbias = gkeep = none
    gw = g_w
    if g_out is not None:
        dropped = w if keep is None else w * keep
        if need_v is not False:
            gv = _sum_to(nr.matmul(nr.matrix_transpose(dropped), g_out), need_v)
        g_dropped = nr.matmul(g_out, nr.matrix_transpose(v))
        if need_keep is not False:
            gkeep = _sum_to(g_dropped * w, need_keep)
        g_drop = g_dropped if keep is None else g_dropped * keep
        gw = g_drop if gw is None else gw + g_drop
    if gw is not None and (need_q is not False or need_k is not False or need_bias is not False):
        g_scores = w * (gw - nr.sum(gw * w, axis=-1, keepdims=True))  # softmax backward
        if need_bias is not False:
            gbias = _sum_to(g_scores, need_bias)
        g_scores = g_scores * scale
        if need_q is not False:
            gq = _sum_to(nr.matmul(g_scores, k), need_q)
        if need_k is not False:
            gk = _sum_to(nr.matmul(nr.matrix_transpose(g_scores), q), need_k)
    return gq, gk, gv, gbias, gkeep


def attention_vjp(ctx, grads):
    q, k, v, bias, keep = ctx.inputs
    _, w = ctx.out
    needs = tuple(tuple(t.shape) if need else False for t, need in zip(ctx.inputs, ctx.needs))
    # while a graph is being built (create_graph) the backward must itself be differentiable: use nr ops
    backward = attention_backward_decomposition if _grad_state.enabled else attention_backward
    out = backward(q, k, v, w, keep, *grads, ctx.params["scale"], needs, ctx.params.get("packed", False))
    # empty where not wanted, or where nothing flows into it (v and keep get nothing without g_out)
    return tuple(g if need is not False and tuple(g.shape) == need else None for g, need in zip(out, needs))


OPS = [(ATTENTION, attention_decomposition, attention_vjp),
       (ATTENTION_BACKWARD, attention_backward_decomposition, None)]


# ---- kit samples ----------------------------------------------------------------------------------
def attention_ref(q, k, v, bias, keep, scale, causal, packed=False):
    if packed:
        q, k, v = q[0], q[1], q[2]
    s = np.einsum("...le,...se->...ls", q.astype(np.float64), k) * scale
    if bias is not None:
        s = s + bias
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], dtype=bool)), s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    dead = top == -np.inf  # every key masked: zero weights
    e = np.exp(s - np.where(dead, 0.0, top))
    w = e / np.where(dead, 1.0, e.sum(axis=-1, keepdims=True))
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
        # packed: query, key and value stacked on a leading axis of 3, as self-attention's projection gives them
        qkv = values((3, 2, 2, 4, 3), dt, -1.5, 1.5, key=("pk", 0))
        yield Sample(name, (qkv, None, None, values((4, 4), dt, -1.0, 1.0, key=("pk", "b")), None),
                     {"scale": 0.6, "causal": True, "packed": True}, call=attention, ref=attention_ref,
                     label=f"{dt.name}-packed")
        # a boolean mask turned additive: -inf where a query may not look
        q, k, v = (values((2, 3, 4), dt, key=("m", n)) for n in "qkv")
        allowed = np.random.default_rng(7).random((3, 3)) > 0.4
        allowed[:, 0] = True
        bias = np.where(allowed, 0.0, -np.inf).astype(dt.numpy)
        yield Sample(name, (q, k, v, bias, None), {"scale": 0.5, "causal": False}, call=attention, ref=attention_ref,
                     label=f"{dt.name}-inf-mask", grad=False)


def _reduce_to(t, shape):
    lead = t.ndim - len(shape)
    t = t.sum(axis=tuple(range(lead))) if lead else t
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and t.shape[i] != 1)
    return t.sum(axis=axes, keepdims=True) if axes else t  # a sum over no axes would turn -0.0 into +0.0


def attention_backward_ref(q, k, v, w, keep, g_out, g_w, scale, needs, packed=False):
    """The gradient rule in float64 einsums."""
    if packed:
        whole = needs[0]
        part = False if whole is False else tuple(whole[1:])
        out = attention_backward_ref(q[0], q[1], q[2], w, keep, g_out, g_w, scale,
                                     (part, part, part) + tuple(needs[3:]))
        stacked = np.zeros((0,), out[0].dtype) if whole is False else np.stack(out[:3])
        return (stacked, np.zeros((0,), stacked.dtype), np.zeros((0,), stacked.dtype)) + out[3:]
    q, k, v, w = (a.astype(np.float64) for a in (q, k, v, w))
    dt = g_out.dtype if g_out is not None else g_w.dtype
    gw = np.zeros(w.shape) if g_w is None else g_w.astype(np.float64)
    gv = gkeep = None
    if g_out is not None:
        gd = np.einsum("...lv,...sv->...ls", g_out.astype(np.float64), v)
        gv = np.einsum("...ls,...lv->...sv", w if keep is None else w * keep, g_out)
        gkeep = None if keep is None else gd * w
        gw = gw + (gd if keep is None else gd * keep)
    gs = w * (gw - (gw * w).sum(axis=-1, keepdims=True))
    out = {"q": np.einsum("...ls,...se->...le", gs * scale, k), "k": np.einsum("...ls,...le->...se", gs * scale, q),
           "v": gv, "bias": gs, "keep": gkeep}
    return tuple(np.zeros((0,), dt) if need is False else _reduce_to(out[n], need).astype(dt)
                 for n, need in zip(("q", "k", "v", "bias", "keep"), needs))


def attention_backward_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        tol = dict(rtol=1e-4, atol=1e-5) if dt is _d.float32 else {}
        for i, (qs, ks, vs, bs, causal, p) in enumerate(_CASES):
            q, k, v = (values(s, dt, -1.5, 1.5, key=("ab", i, n)) for n, s in zip("qkv", (qs, ks, vs)))
            bias = None if bs is None else values(bs, dt, -1.0, 1.0, key=("ab", i, "b"))
            keep = None
            if p:
                draw = np.random.default_rng(i).random(qs[:-1] + ks[-2:-1])
                keep = ((draw >= p) / (1.0 - p)).astype(dt.numpy)
            scale = 1.0 / np.sqrt(qs[-1])
            out, w = attention_ref(q, k, v, bias, keep, scale, causal)
            g_out = values(out.shape, dt, key=("ab", i, "go"))
            g_w = values(w.shape, dt, key=("ab", i, "gw")) if i % 2 else None
            needs = (qs, ks if i != 1 else False, vs, bs if bs is not None else False,
                     keep.shape if keep is not None else False)
            yield Sample(name, (q, k, v, w, keep, g_out, g_w), {"scale": scale, "needs": needs},
                         call=attention_backward, ref=attention_backward_ref, label=f"{dt.name}-{i}", grad=False,
                         **tol)
        qkv = values((3, 2, 2, 4, 3), dt, -1.5, 1.5, key=("pkb", 0))
        for j, with_gw in enumerate((False, True)):
            out, w = attention_ref(qkv, None, None, None, None, 0.5, False, packed=True)
            g_out = values(out.shape, dt, key=("pkb", j, "go"))
            g_w = values(w.shape, dt, key=("pkb", j, "gw")) if with_gw else None
            yield Sample(name, (qkv, None, None, w, None, g_out, g_w),
                         {"scale": 0.5, "needs": (qkv.shape, False, False, False, False), "packed": True},
                         call=attention_backward, ref=attention_backward_ref, label=f"{dt.name}-packed{j}",
                         grad=False, **tol)


SAMPLES = {"scaled_dot_product_attention": attention_samples, "attention_backward": attention_backward_samples}
