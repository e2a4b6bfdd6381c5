"""The attention kernel for NumPy-like backends: one scores buffer (``q @ k^T``) scaled, masked and turned into the
softmax in place, then one batched GEMM with the values."""
from __future__ import annotations

import numpy as np


def attention(be, q, k, v, bias, keep, scale, causal):
    xp = be.xp
    w = xp.matmul(q, xp.swapaxes(k, -1, -2))
    w *= scale
    if bias is not None:
        w += bias
    if causal:
        n_q, n_k = w.shape[-2:]
        w[..., ~xp.tri(n_q, n_k, dtype=bool)] = -np.inf
    with np.errstate(invalid="ignore"):  # a row with every key masked gives NaN weights, as torch's does
        w -= w.max(axis=-1, keepdims=True)
        xp.exp(w, out=w)
        w /= w.sum(axis=-1, keepdims=True)
    return xp.matmul(w if keep is None else w * keep, v), w


KERNELS = {"scaled_dot_product_attention": attention}
