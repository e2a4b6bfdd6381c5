"""Loss functions with PyTorch's formulas and reductions ("mean", "sum", "none")."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr
from nr_core.amp import autocast_policy

from ..ops.binary_cross_entropy import binary_cross_entropy as _bce
from ..ops.loss import cross_entropy as _cross_entropy_op
from ..ops.softmax import log_softmax as _log_softmax
from ._checks import floating, same, tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(fn, reduction, extra=()):
    if reduction not in _REDUCTIONS + tuple(extra):
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS + tuple(extra)}, got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return nr.mean(loss)
    if reduction == "sum":
        return nr.sum(loss)
    return loss


def _pair(fn, input, target, reduction):
    x = floating(input, fn)
    same(fn, x, target)
    if x.shape != target.shape:
        raise ValueError(f"{fn}: input {x.shape} and target {target.shape} must have the same shape")
    _reduction(fn, reduction)
    return x


@autocast_policy("mse_loss", "fp32")
def mse_loss(input, target, reduction: str = "mean"):
    d = _pair("mse_loss", input, target, reduction) - target
    return _reduce(d * d, reduction)


@autocast_policy("l1_loss", "fp32")
def l1_loss(input, target, reduction: str = "mean"):
    return _reduce(nr.abs(_pair("l1_loss", input, target, reduction) - target), reduction)


@autocast_policy("smooth_l1_loss", "fp32")
def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    d = nr.abs(_pair("smooth_l1_loss", input, target, reduction) - target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(nr.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


@autocast_policy("huber_loss", "fp32")
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    d = nr.abs(_pair("huber_loss", input, target, reduction) - target)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _reduce(nr.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta), reduction)


# ---- classification -----------------------------------------------------------------------------
def _class_layout(fn, x, target):
    """(N, C, *d) input with (N, *d) int targets; unbatched (C,) with a 0-d target becomes batch 1."""
    if x.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"{fn}: an unbatched input {x.shape} needs a 0-d target, got {target.shape}")
        return nr.expand_dims(x, axis=0), nr.reshape(target, (1,)), False
    if target.shape != (x.shape[0],) + x.shape[2:]:
        raise ValueError(f"{fn}: input {x.shape} (N, C, ...) needs a target of shape {(x.shape[0],) + x.shape[2:]}, "
                         f"got {target.shape}")
    return x, target, True


def _check_classes(fn, target, c, ignore_index):
    t = target.numpy()
    if not t.size or (0 <= t.min() and t.max() < c):  # the usual case in two reductions, then the full check
        return
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"{fn}: target value {int(t[bad][0])} is out of range for {c} classes "
                         f"(ignore_index={ignore_index})")


def _picked(logp, target, ignore_index):
    """(-logp[n, t_n, ...], valid mask) with ignored targets mapped to class 0 for the gather."""
    valid = target != ignore_index
    safe = nr.where(valid, target, nr.zeros_like(target))
    got = nr.take_along_axis(logp, nr.expand_dims(safe, axis=1), axis=1)
    return -nr.squeeze(got, axis=1), valid, safe


def _class_weights(weight, safe, valid, dtype):
    w = nr.astype(valid, dtype)
    if weight is not None:
        w = w * nr.reshape(nr.take(weight, nr.reshape(safe, (-1,)), axis=0), safe.shape)
    return w


@autocast_policy("nll_loss", "fp32")
def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    fn = "nll_loss"
    x = floating(input, fn)
    _reduction(fn, reduction)
    tensor(target, fn, "target")
    if target.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{fn}: target must hold class indices (an integer dtype), got {target.dtype.name}")
    x, target, batched = _class_layout(fn, x, target)
    if weight is not None:
        same(fn, x, weight)
        if weight.shape != (x.shape[1],):
            raise ValueError(f"{fn}: weight must have shape ({x.shape[1]},), got {weight.shape}")
    _check_classes(fn, target, x.shape[1], ignore_index)
    loss, valid, safe = _picked(x, target, ignore_index)
    w = _class_weights(weight, safe, valid, x.dtype)
    loss = loss * w
    if reduction == "none":
        return loss if batched else loss[0]
    if reduction == "sum":
        return nr.sum(loss)
    return nr.sum(loss) / nr.sum(w)


@autocast_policy("cross_entropy", "fp32")
def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0):
    """log_softmax + nll over class axis 1; targets are class indices or class probabilities."""
    fn = "cross_entropy"
    x = floating(input, fn)
    _reduction(fn, reduction)
    tensor(target, fn, "target")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if weight is not None:
        same(fn, x, weight)
    if target.dtype.kind == "float":
        return _soft_cross_entropy(fn, x, target, weight, reduction, label_smoothing)
    if target.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{fn}: target must hold class indices (an integer dtype) or class probabilities (the "
                        f"input's floating dtype), got {target.dtype.name}")
    x, target, batched = _class_layout(fn, x, target)
    if weight is not None and weight.shape != (x.shape[1],):
        raise ValueError(f"{fn}: weight must have shape ({x.shape[1]},), got {weight.shape}")
    _check_classes(fn, target, x.shape[1], ignore_index)
    loss, _ = _cross_entropy_op(x, target, weight, int(ignore_index), float(label_smoothing), reduction)
    return loss if batched or reduction != "none" else loss[0]


def _soft_cross_entropy(fn, x, target, weight, reduction, label_smoothing):
    same(fn, x, target)
    if target.shape != x.shape:
        raise ValueError(f"{fn}: probability targets must have the input's shape {x.shape}, got {target.shape}")
    axis = 0 if x.ndim == 1 else 1
    c = x.shape[axis]
    if label_smoothing > 0:
        target = target * (1.0 - label_smoothing) + label_smoothing / c
    term = _log_softmax(x, axis) * target
    if weight is not None:
        term = term * nr.reshape(weight, (-1,) + (1,) * (x.ndim - axis - 1))
    loss = -nr.sum(term, axis=axis)
    if reduction == "mean":
        return nr.sum(loss) / (x.size // c)
    return _reduce(loss, reduction)


def _check_probabilities(fn, x):
    """torch refuses probabilities outside [0, 1] (NaN included) instead of returning NaN."""
    if x.size and not bool(nr.all((x >= 0.0) & (x <= 1.0))):
        values = x.detach().numpy()
        bad = "NaN" if np.isnan(values).any() else f"values in [{values.min():.6g}, {values.max():.6g}]"
        raise RuntimeError(f"{fn}: all elements of input should be between 0 and 1, got {bad} "
                           f"(input {x.dtype.name} {x.shape})")


@autocast_policy("binary_cross_entropy", "fp32")
def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    x = _pair("binary_cross_entropy", input, target, reduction)
    _check_probabilities("binary_cross_entropy", x)
    loss = _bce(x, target)  # one op: logs clamped at -100 and PyTorch's finite gradient at 0 and 1
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_policy("binary_cross_entropy_with_logits", "fp32")
def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean", pos_weight=None):
    x = _pair("binary_cross_entropy_with_logits", input, target, reduction)
    same("binary_cross_entropy_with_logits", x, weight, pos_weight)
    softplus_neg = nr.log1p(nr.exp(-nr.abs(x))) + nr.relu(-x)  # log(1 + exp(-x)) without overflow
    if pos_weight is not None:
        loss = (1.0 - target) * x + (target * (pos_weight - 1.0) + 1.0) * softplus_neg
    else:
        loss = (1.0 - target) * x + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_policy("kl_div", "fp32")
def kl_div(input, target, reduction: str = "mean", log_target: bool = False):
    fn = "kl_div"
    x = floating(input, fn)
    same(fn, x, target)
    _reduction(fn, reduction, ("batchmean",))
    if log_target:
        loss = nr.exp(target) * (target - x)
    else:
        pos = target > 0
        safe = nr.where(pos, target, nr.ones_like(target))
        loss = nr.where(pos, target * nr.log(safe), nr.zeros_like(target)) - target * x
    if reduction == "batchmean":
        return nr.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


@autocast_policy("poisson_nll_loss", "fp32")
def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean"):
    x = _pair("poisson_nll_loss", input, target, reduction)
    loss = nr.exp(x) - target * x if log_input else x - target * nr.log(x + eps)
    if full:
        safe = nr.where(target > 1, target, nr.ones_like(target))
        stirling = safe * nr.log(safe) - safe + nr.log(safe * (2 * math.pi)) * 0.5
        loss = loss + nr.where(target > 1, stirling, nr.zeros_like(target))
    return _reduce(loss, reduction)


@autocast_policy("gaussian_nll_loss", "fp32")
def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    x = _pair("gaussian_nll_loss", input, target, reduction)
    v = nr.clip(var, min=eps) if isinstance(var, nr.Tensor) else max(float(var), eps)
    d = x - target
    loss = (nr.log(v) + d * d / v) * 0.5 if isinstance(v, nr.Tensor) else (d * d / v + math.log(v)) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---- embeddings and ranking ------------------------------------------------------------------------
def _sign_target(fn, x, target):
    """The +-1 targets of the ranking and embedding losses may be integers, as in torch: cast to x's dtype."""
    tensor(target, fn, "target")
    if target.dtype.kind in ("int", "uint"):
        target = nr.astype(target, x.dtype)
    same(fn, x, target)
    return target


@autocast_policy("cosine_embedding_loss", "fp32")
def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: str = "mean"):
    fn = "cosine_embedding_loss"
    x1 = _pair(fn, input1, input2, reduction)
    target = _sign_target(fn, x1, target)
    if x1.ndim not in (1, 2) or target.shape != x1.shape[:-1]:
        raise ValueError(f"{fn}: inputs (N, D) or (D,) need a target of shape (N,) or (), got inputs {x1.shape} "
                         f"and target {target.shape}")
    axis = x1.ndim - 1
    eps = 1e-12
    cos = nr.sum(x1 * input2, axis=axis) / nr.sqrt(
        (nr.sum(x1 * x1, axis=axis) + eps) * (nr.sum(input2 * input2, axis=axis) + eps))
    zero = nr.zeros_like(cos)
    loss = nr.where(target == 1, 1.0 - cos, zero) + nr.where(target == -1, nr.relu(cos - margin), zero)
    return _reduce(loss, reduction)


@autocast_policy("margin_ranking_loss", "fp32")
def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: str = "mean"):
    x1 = _pair("margin_ranking_loss", input1, input2, reduction)
    target = _sign_target("margin_ranking_loss", x1, target)
    return _reduce(nr.relu(-target * (x1 - input2) + margin), reduction)


@autocast_policy("pairwise_distance", "fp32")
def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    d = nr.abs(floating(x1, "pairwise_distance") - x2 + eps)
    axis = d.ndim - 1
    if p == math.inf:
        return nr.max(d, axis=axis, keepdims=keepdim)
    return nr.pow(nr.sum(nr.pow(d, float(p)), axis=axis, keepdims=keepdim), 1.0 / p)


@autocast_policy("cosine_similarity", "fp32")
def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    x1 = floating(x1, "cosine_similarity")
    n1 = nr.clip(nr.sqrt(nr.sum(x1 * x1, axis=dim)), min=eps)
    n2 = nr.clip(nr.sqrt(nr.sum(x2 * x2, axis=dim)), min=eps)
    return nr.sum(x1 * x2, axis=dim) / (n1 * n2)


@autocast_policy("triplet_margin_loss", "fp32")
def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, reduction: str = "mean"):
    a = _pair("triplet_margin_loss", anchor, positive, reduction)
    same("triplet_margin_loss", a, negative)
    d_ap = pairwise_distance(a, positive, p, eps)
    d_an = pairwise_distance(a, negative, p, eps)
    if swap:
        d_an = nr.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce(nr.relu(d_ap - d_an + margin), reduction)


@autocast_policy("hinge_embedding_loss", "fp32")
def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: str = "mean"):
    x = floating(input, "hinge_embedding_loss")
    target = _sign_target("hinge_embedding_loss", x, target)
    x = _pair("hinge_embedding_loss", x, target, reduction)
    zero = nr.zeros_like(x)
    loss = nr.where(target != 1, nr.relu(margin - x), zero) + nr.where(target != -1, x, zero)
    return _reduce(loss, reduction)


@autocast_policy("soft_margin_loss", "fp32")
def soft_margin_loss(input, target, reduction: str = "mean"):
    x = floating(input, "soft_margin_loss")
    target = _sign_target("soft_margin_loss", x, target)
    x = _pair("soft_margin_loss", x, target, reduction)
    return _reduce(nr.log1p(nr.exp(-target * x)), reduction)


@autocast_policy("multilabel_margin_loss", "fp32")
def multilabel_margin_loss(input, target, reduction: str = "mean"):
    """Hinge between every target class (listed first in ``target``, ended by -1) and every other class."""
    fn = "multilabel_margin_loss"
    x = floating(input, fn)
    _reduction(fn, reduction)
    tensor(target, fn, "target")
    if target.shape != x.shape or x.ndim not in (1, 2):
        raise ValueError(f"{fn}: input and target must share a (C,) or (N, C) shape, got {x.shape} and {target.shape}")
    batched = x.ndim == 2
    x2 = x if batched else nr.expand_dims(x, axis=0)
    t = target.numpy().reshape(x2.shape).astype(np.int64)
    n, c = t.shape
    if ((t < -1) | (t >= c)).any():
        raise IndexError(f"{fn}: target values must be class indices in [0, {c}) or -1, got {t.min()}..{t.max()}")
    # a slot counts while no -1 has appeared before it in its row
    valid = np.cumprod(t != -1, axis=1).astype(bool)
    is_target = np.zeros((n, c), dtype=bool)
    rows = np.nonzero(valid)[0]
    is_target[rows, t[valid]] = True
    safe = nr.asarray(np.where(valid, t, 0), device=x.device)
    xt = nr.take_along_axis(x2, safe, axis=1)                                  # (N, slots)
    hinge = nr.relu(1.0 - nr.expand_dims(xt, axis=2) + nr.expand_dims(x2, axis=1))  # (N, slots, C)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = nr.sum(hinge * nr.asarray(mask.astype(x.dtype.numpy), device=x.device), axis=(1, 2)) / c
    if not batched:
        loss = loss[0] if reduction == "none" else loss
    return _reduce(loss, reduction)


@autocast_policy("multi_margin_loss", "fp32")
def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean"):
    fn = "multi_margin_loss"
    x = floating(input, fn)
    _reduction(fn, reduction)
    if p not in (1, 2):
        raise ValueError(f"{fn}: p must be 1 or 2, got {p}")
    x2 = x if x.ndim == 2 else nr.expand_dims(x, axis=0)
    t = nr.reshape(target, (x2.shape[0],))
    xt = nr.take_along_axis(x2, nr.expand_dims(t, axis=1), axis=1)
    h = nr.relu(margin - xt + x2)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * nr.expand_dims(nr.take(weight, t, axis=0), axis=1)
    other = nr.astype(nr.expand_dims(t, axis=1) != nr.arange(x2.shape[1], device=x.device), x.dtype)
    loss = nr.sum(h * other, axis=1) / x2.shape[1]
    if x.ndim == 1 and reduction == "none":
        loss = loss[0]
    return _reduce(loss, reduction)


# ---- CTC ---------------------------------------------------------------------------------------
_NEG = -1e30  # finite "log 0": keeps the gradients of unreachable paths exactly 0 instead of NaN


def _lse3(a, b, c):
    m = nr.maximum(nr.maximum(a, b), c).detach()  # d/dm of m + log(sum exp(x - m)) is 0: no grad needed
    return m + nr.log(nr.exp(a - m) + nr.exp(b - m) + nr.exp(c - m))


def _shift(a, k):
    fill = nr.full(a.shape[:-1] + (k,), _NEG, dtype=a.dtype, device=a.device)
    return nr.concat([fill, a[..., :a.shape[-1] - k]], axis=-1)


@autocast_policy("ctc_loss", "fp32")
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False):
    """Connectionist temporal classification: the alpha recursion in log space, batched, one step per frame."""
    fn = "ctc_loss"
    lp = floating(log_probs, fn, "log_probs")
    _reduction(fn, reduction)
    batched = lp.ndim == 3
    if not batched:
        lp = nr.expand_dims(lp, axis=1)
    T, N, C = lp.shape
    in_len = np.asarray(input_lengths.numpy() if isinstance(input_lengths, nr.Tensor) else input_lengths,
                        dtype=np.int64).reshape(-1)
    tg_len = np.asarray(target_lengths.numpy() if isinstance(target_lengths, nr.Tensor) else target_lengths,
                        dtype=np.int64).reshape(-1)
    tg = targets.numpy() if isinstance(targets, nr.Tensor) else np.asarray(targets)
    if in_len.shape != (N,) or tg_len.shape != (N,):
        raise ValueError(f"{fn}: input_lengths and target_lengths must hold {N} values, got {in_len.shape} and "
                         f"{tg_len.shape}")
    if (in_len > T).any() or (in_len < 0).any():
        raise ValueError(f"{fn}: input_lengths must be in [0, {T}], got {in_len.tolist()}")
    s_max = int(tg_len.max()) if N else 0
    padded = np.full((N, max(s_max, 1)), blank, dtype=np.int64)
    if tg.ndim == 1:  # concatenated targets (also the unbatched form)
        if tg.size != tg_len.sum():
            raise ValueError(f"{fn}: 1-D targets must hold sum(target_lengths)={tg_len.sum()} values, got {tg.size}")
        for n, start in enumerate(np.concatenate([[0], np.cumsum(tg_len)[:-1]])):
            padded[n, :tg_len[n]] = tg[start:start + tg_len[n]]
    else:
        if tg.shape[0] != N or tg.shape[1] < s_max:
            raise ValueError(f"{fn}: padded targets must be (N={N}, S>={s_max}), got {tg.shape}")
        for n in range(N):
            padded[n, :tg_len[n]] = tg[n, :tg_len[n]]
    if ((padded < 0) | (padded >= C)).any():
        raise IndexError(f"{fn}: target values must be in [0, {C}), got {padded.min()}..{padded.max()}")
    L = 2 * padded.shape[1] + 1
    ext = np.full((N, L), blank, dtype=np.int64)
    ext[:, 1::2] = padded
    skip = np.zeros((N, L), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    dev = lp.device
    idx = nr.broadcast_to(nr.asarray(ext, device=dev), (T, N, L))
    emit = nr.take_along_axis(lp, idx, axis=2)                                # (T, N, L)
    neg = nr.full((N, L), _NEG, dtype=lp.dtype, device=dev)
    skip_t = nr.asarray(skip, device=dev)
    first = np.zeros((N, L), dtype=bool)
    first[:, 0] = True
    first[:, 1] = tg_len > 0
    alpha = nr.where(nr.asarray(first, device=dev), emit[0], neg)
    for t in range(1, T):
        new = _lse3(alpha, _shift(alpha, 1), nr.where(skip_t, _shift(alpha, 2), neg)) + emit[t]
        running = nr.asarray((t < in_len)[:, None], device=dev)
        alpha = nr.where(running, new, alpha)
    end = nr.asarray(2 * tg_len, device=dev)
    last = nr.squeeze(nr.take_along_axis(alpha, nr.reshape(end, (N, 1)), axis=1), axis=1)
    prev_idx = nr.asarray(np.maximum(2 * tg_len - 1, 0), device=dev)
    prev = nr.squeeze(nr.take_along_axis(alpha, nr.reshape(prev_idx, (N, 1)), axis=1), axis=1)
    prev = nr.where(nr.asarray(tg_len > 0, device=dev), prev, nr.full((N,), _NEG, dtype=lp.dtype, device=dev))
    m = nr.maximum(last, prev).detach()
    loss = -(m + nr.log(nr.exp(last - m) + nr.exp(prev - m)))
    impossible = loss > 1e29
    loss = nr.where(impossible, nr.zeros_like(loss) if zero_infinity else nr.full_like(loss, math.inf), loss)
    if reduction == "mean":
        return nr.mean(loss / nr.asarray(np.maximum(tg_len, 1).astype(lp.dtype.numpy), device=dev))
    if reduction == "sum":
        return nr.sum(loss)
    return loss if batched else loss[0]
