"""Cross-entropy from logits and class indices as one op (log-sum-exp, pick, class weights, ``ignore_index``, label
smoothing and the reduction in one kernel) and its backward as another, instead of log_softmax + gather + the
weight and reduction arithmetic, each a node and a pass; with decompositions and kit samples.

Outputs ``(loss, lse)``: the log-sum-exp over classes is kept for the backward, which then reads the softmax off
``exp(x - lse)`` in one pass. Class axis 1: ``x`` (N, C, *d), ``target`` (N, *d).
"""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.grad_mode import state as _grad_state
from nr_core.optable import OpDef

CROSS_ENTROPY = OpDef("cross_entropy", "nn", 3, "real floating-point", primitive=False, nout=2)
# its gradient is the decomposition below, which the rule runs instead whenever a graph is being built
CROSS_ENTROPY_BACKWARD = OpDef("cross_entropy_backward", "nn", 6, "real floating-point", differentiable=False,
                               primitive=False)


def cross_entropy(x, target, weight, ignore_index: int, label_smoothing: float, reduction: str):
    """(loss, lse) for logits ``x`` (N, C, *d) and class indices ``target`` (N, *d); arguments checked by
    ``F.cross_entropy``."""
    return apply(CROSS_ENTROPY, (x, target, weight), {"ignore_index": ignore_index,
                                                      "label_smoothing": label_smoothing, "reduction": reduction},
                 x.dtype)


def cross_entropy_backward(x, target, weight, lse, g, g_lse, ignore_index, label_smoothing, reduction):
    """The gradient with respect to ``x`` for loss gradient ``g`` and log-sum-exp gradient ``g_lse`` (either None)."""
    return apply(CROSS_ENTROPY_BACKWARD, (x, target, weight, lse, g, g_lse),
                 {"ignore_index": ignore_index, "label_smoothing": label_smoothing, "reduction": reduction}, x.dtype)


# ---- decompositions -------------------------------------------------------------------------------
def _class_axis(t, ndim):
    """(N, *d) -> (N, 1, *d), to broadcast against (N, C, *d)."""
    return nr.expand_dims(t, axis=1) if ndim > 1 else t


def _channel(v, ndim):
    """(C,) -> (1, C, 1, ...)."""
    return nr.reshape(v, (1, -1) + (1,) * (ndim - 2))


def _picked(x, target, weight, ignore_index):
    """(valid as float, safe targets, x at the target, the target's class weight times valid)."""
    valid = target != ignore_index
    safe = nr.where(valid, target, nr.zeros_like(target))
    xt = nr.squeeze(nr.take_along_axis(x, nr.expand_dims(safe, axis=1), axis=1), axis=1)
    v = nr.astype(valid, x.dtype)
    wt = v if weight is None else v * nr.reshape(nr.take(weight, nr.reshape(safe, (-1,)), axis=0), safe.shape)
    return v, safe, xt, wt


def cross_entropy_decomposition(x, target, weight, ignore_index, label_smoothing, reduction):
    c = x.shape[1]
    m = nr.max(x, axis=1, keepdims=True)
    lse = nr.log(nr.sum(nr.exp(x - m), axis=1)) + nr.squeeze(m, axis=1)
    v, _, xt, wt = _picked(x, target, weight, ignore_index)
    loss = (lse - xt) * wt
    if label_smoothing:
        sx = nr.sum(x if weight is None else x * _channel(weight, x.ndim), axis=1)
        w_all = float(c) if weight is None else nr.sum(weight)
        loss = loss * (1.0 - label_smoothing) + (lse * w_all - sx) * v * (label_smoothing / c)
    if reduction == "mean":
        return nr.sum(loss) / nr.sum(wt), lse
    return (nr.sum(loss) if reduction == "sum" else loss), lse


def _per_sample(g, wt, reduction):
    """The loss gradient of each sample: ``g`` itself (none), broadcast (sum), or over the weight total (mean)."""
    if reduction == "none":
        return g
    return g / nr.sum(wt) if reduction == "mean" else g


def cross_entropy_backward_decomposition(x, target, weight, lse, g, g_lse, ignore_index, label_smoothing,
                                         reduction):
    c = x.shape[1]
    p = nr.exp(x - _class_axis(lse, x.ndim))
    gx = None
    if g is not None:
        v, safe, _, wt = _picked(x, target, weight, ignore_index)
        coef = _per_sample(g, wt, reduction) * v
        eps = label_smoothing
        onehot = nr.astype(nr.expand_dims(safe, axis=1) == _channel(nr.arange(c, device=x.device), x.ndim), x.dtype)
        if weight is None:  # every class weighs 1: p * coef - onehot * coef * (1 - eps) - coef * eps / c
            gx = (p - onehot * (1.0 - eps)) * _class_axis(coef, x.ndim)
            if eps:
                gx = gx - _class_axis(coef * (eps / c), x.ndim)
        else:
            w_t = nr.reshape(nr.take(weight, nr.reshape(safe, (-1,)), axis=0), safe.shape)
            a = w_t * (1.0 - eps) + nr.sum(weight) * (eps / c)
            gx = p * _class_axis(coef * a, x.ndim) - onehot * _class_axis(coef * w_t * (1.0 - eps), x.ndim)
            if eps:
                gx = gx - _class_axis(coef * (eps / c), x.ndim) * _channel(weight, x.ndim)
    if g_lse is not None:
        term = p * _class_axis(g_lse, x.ndim)
        gx = term if gx is None else gx + term
    return nr.zeros_like(x) if gx is None else gx


def _weight_grad(x, target, weight, lse, loss, g, ignore_index, label_smoothing, reduction):
    """d loss / d weight (class weights are rarely trained, but the rule is complete)."""
    c = x.shape[1]
    v, safe, xt, wt = _picked(x, target, weight, ignore_index)
    gi = _per_sample(g, wt, reduction) * v
    axes = (0,) + tuple(range(2, x.ndim))
    onehot = nr.astype(nr.expand_dims(safe, axis=1) == _channel(nr.arange(c, device=x.device), x.ndim), x.dtype)
    gw = nr.sum(onehot * _class_axis(gi * (lse - xt) * (1.0 - label_smoothing), x.ndim), axis=axes)
    if label_smoothing:
        gw = gw + nr.sum(_class_axis(gi * (label_smoothing / c), x.ndim) * (_class_axis(lse, x.ndim) - x), axis=axes)
    if reduction == "mean":  # the mean divides by the weights of the picked classes too
        gw = gw - nr.sum(onehot * _class_axis(v, x.ndim), axis=axes) * (g * loss / nr.sum(wt))
    return gw


def cross_entropy_vjp(ctx, grads):
    g, g_lse = grads
    x, target, weight = ctx.inputs
    loss, lse = ctx.out
    need_x, _, need_w = ctx.needs
    p = ctx.params
    gx = gw = None
    if need_x:
        # while a graph is being built (create_graph) the backward must itself be differentiable: use nr ops
        backward = cross_entropy_backward_decomposition if _grad_state.enabled else cross_entropy_backward
        gx = backward(x, target, weight, lse, g, g_lse, **p)
    if need_w:
        gw = None if g is None else _weight_grad(x, target, weight, lse, loss, g, **p)
    return gx, None, gw


OPS = [
    (CROSS_ENTROPY, cross_entropy_decomposition, cross_entropy_vjp),
    (CROSS_ENTROPY_BACKWARD, cross_entropy_backward_decomposition, None),
]


# ---- kit samples ----------------------------------------------------------------------------------
def _np_logsumexp(x):
    m = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=1)) + m[:, 0]


def _np_loss(x, target, weight, ignore_index, label_smoothing, reduction):
    """Per-sample losses from log-softmax spelled out, then the reduction (torch's documented formula)."""
    c = x.shape[1]
    logp = x - np.expand_dims(_np_logsumexp(x), 1)
    w = np.ones(c) if weight is None else weight.astype(np.float64)
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    picked = -np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    wt = w[safe] * valid
    wshape = (1, c) + (1,) * (x.ndim - 2)
    smooth = -(logp * w.reshape(wshape)).sum(axis=1) * valid
    loss = (1 - label_smoothing) * picked * wt + label_smoothing / c * smooth
    if reduction == "mean":
        return loss.sum() / wt.sum()
    return loss.sum() if reduction == "sum" else loss


def cross_entropy_ref(x, target, weight, ignore_index, label_smoothing, reduction):
    loss = _np_loss(x.astype(np.float64), target, weight, ignore_index, label_smoothing, reduction)
    return np.asarray(loss).astype(x.dtype), _np_logsumexp(x.astype(np.float64)).astype(x.dtype)


def cross_entropy_backward_ref(x, target, weight, lse, g, g_lse, ignore_index, label_smoothing, reduction):
    """Central differences of the reference loss, contracted with ``g``, plus softmax * ``g_lse``."""
    xd = x.astype(np.float64)
    out = np.zeros_like(xd)
    h = 1e-6
    flat, gflat = xd.reshape(-1), out.reshape(-1)
    for j in range(flat.size):
        keep = flat[j]
        flat[j] = keep + h
        hi = _np_loss(xd, target, weight, ignore_index, label_smoothing, reduction)
        flat[j] = keep - h
        lo = _np_loss(xd, target, weight, ignore_index, label_smoothing, reduction)
        flat[j] = keep
        gflat[j] = np.sum((hi - lo) / (2 * h) * g)
    p = np.exp(xd - np.expand_dims(_np_logsumexp(xd), 1))
    return (out + p * np.expand_dims(g_lse, 1)).astype(x.dtype)


# (x shape, weighted, ignore_index, label_smoothing, reduction)
_CASES = [((4, 5), False, -100, 0.0, "mean"), ((4, 5), True, 1, 0.0, "sum"), ((3, 4), True, -100, 0.2, "mean"),
          ((2, 3, 2), False, 2, 0.1, "none"), ((2, 3, 2), True, -100, 0.0, "mean"), ((0, 3), False, -100, 0.0, "sum")]


def cross_entropy_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        for i, (xs, weighted, ignore, eps, red) in enumerate(_CASES):
            x = values(xs, dt, key=("x", i))
            c = xs[1]
            target = np.random.default_rng(i).integers(0, c, (xs[0],) + xs[2:]).astype(np.int64)
            if target.size and ignore >= 0:
                target.reshape(-1)[0] = ignore
            weight = values((c,), dt, 0.5, 2.0, key=("w", i)) if weighted else None
            kw = {"ignore_index": ignore, "label_smoothing": eps, "reduction": red}
            label = f"{dt.name}-{i}"
            if name == "cross_entropy":
                yield Sample(name, (x, target, weight), kw, call=cross_entropy, ref=cross_entropy_ref, label=label,
                             grad=x.size > 0)
            elif x.size:
                lse = _np_logsumexp(x.astype(np.float64)).astype(x.dtype)
                shape = np.shape(_np_loss(x.astype(np.float64), target, weight, ignore, eps, red))
                g = values(shape, dt, key=("g", i))
                g_lse = values(lse.shape, dt, key=("gl", i))
                yield Sample(name, (x, target, weight, lse, g, g_lse), kw, call=cross_entropy_backward,
                             ref=cross_entropy_backward_ref, label=label, grad=False, rtol=1e-4 if dt is _d.float32
                             else 1e-7, atol=1e-5 if dt is _d.float32 else 1e-8)


SAMPLES = {"cross_entropy": cross_entropy_samples, "cross_entropy_backward": cross_entropy_samples}
