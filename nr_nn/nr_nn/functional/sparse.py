"""Index-based functions: ``embedding`` and ``one_hot``."""
from __future__ import annotations

import nr_core as nr
from nr_core.trace import validation

from ._checks import floating, tensor


def _indices(x, fn):
    tensor(x, fn)
    if x.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{fn}: indices must have an integer dtype, got {x.dtype.name} (shape {x.shape})")
    return x


def embedding(input, weight, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` picked by ``input``; the ``padding_idx`` row gets no gradient."""
    idx = _indices(input, "embedding")
    floating(weight, "embedding", "weight")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got {weight.shape}")
    n = weight.shape[0]
    if idx.size:
        with validation():  # a range check, not control flow: a tracer need not report these reads
            lo, hi = int(nr.min(idx)), int(nr.max(idx))
        if lo < 0 or hi >= n:
            raise IndexError(f"embedding: index {lo if lo < 0 else hi} is out of range for {n} embeddings")
    if scale_grad_by_freq or sparse:
        raise ValueError("embedding: scale_grad_by_freq=True and sparse=True are not offered (dense gradients only)")
    if padding_idx is not None and not -n <= padding_idx < n:
        raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({n})")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    flat = nr.reshape(idx, (-1,))
    out = nr.take(weight, flat, axis=0)
    if padding_idx is not None:
        pad_rows = nr.expand_dims(flat == (padding_idx % n), axis=1)
        out = nr.where(pad_rows, out.detach(), out)
    return nr.reshape(out, idx.shape + (weight.shape[1],))


def _renorm_rows(weight, idx, max_norm, norm_type):
    # torch rescales the looked-up rows of the weight in place, outside autograd
    with nr.no_grad():
        rows = nr.unique_values(nr.reshape(idx, (-1,)))
        sel = nr.take(weight.detach(), rows, axis=0)
        norms = nr.pow(nr.sum(nr.pow(nr.abs(sel), float(norm_type)), axis=1, keepdims=True), 1.0 / norm_type)
        scale = nr.where(norms > max_norm, max_norm / (norms + 1e-7), nr.ones_like(norms))
        weight[rows] = sel * scale


def one_hot(tensor, num_classes: int = -1):
    """int64 one-hot encoding with a new trailing axis of ``num_classes`` (inferred from the max when -1)."""
    idx = _indices(tensor, "one_hot")
    if num_classes == -1:
        num_classes = int(nr.max(idx)) + 1 if idx.size else 0
    if idx.size and (int(nr.min(idx)) < 0 or int(nr.max(idx)) >= num_classes):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got values in "
                         f"[{int(nr.min(idx))}, {int(nr.max(idx))}]")
    classes = nr.arange(num_classes, device=idx.device)
    return nr.astype(nr.expand_dims(idx, axis=-1) == classes, nr.int64)
