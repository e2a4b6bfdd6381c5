"""Attention: ``scaled_dot_product_attention`` and the multi-head forward used by ``nn.MultiheadAttention``."""
from __future__ import annotations

import math

import nr_core as nr
from nr_core.amp import autocast_policy

from ..ops.attention import attention as _attention
from ._checks import floating, same, tensor
from .dropout import keep_scale
from .linear import linear


def _float_mask(mask, dtype, keep_when_true: bool):
    """A boolean mask as an additive float mask (0 where attending, -inf elsewhere); float masks pass through."""
    if mask.dtype is nr.bool:
        allowed = mask if keep_when_true else nr.logical_not(mask)
        return nr.where(allowed, nr.zeros(allowed.shape, dtype=dtype, device=mask.device), float("-inf"))
    if mask.dtype is not dtype:
        raise TypeError(f"attention: a float mask must have the query's dtype {dtype.name}, got {mask.dtype.name}")
    return mask


@autocast_policy("scaled_dot_product_attention", "low")
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None, enable_gqa: bool = False):
    """softmax(q k^T * scale + mask) v over the last two dims, in one fused op; a bool mask is True where attention
    is allowed, a float mask is added to the scores; ``dropout_p`` drops attention weights (always, as torch's)."""
    fn = "scaled_dot_product_attention"
    q = floating(query, fn, "query")
    same(fn, q, key, value)
    if q.ndim < 2 or key.ndim != q.ndim or value.ndim != q.ndim or q.shape[-1] != key.shape[-1] or \
            key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{fn}: query {q.shape}, key {key.shape} and value {value.shape} must be (..., L, E), "
                         "(..., S, E) and (..., S, Ev)")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{fn}: give either attn_mask or is_causal=True, not both")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{fn}: dropout_p must be in [0, 1], got {dropout_p}")
    if enable_gqa and q.ndim >= 3 and key.shape[-3] != q.shape[-3]:
        key, value = (_repeat_heads(fn, t, q.shape[-3]) for t in (key, value))
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    bias = None
    if attn_mask is not None:
        tensor(attn_mask, fn, "attn_mask")
        bias = _float_mask(attn_mask, q.dtype, True)
    lead = nr.broadcast_shapes(q.shape[:-2], key.shape[:-2])
    keep = None if dropout_p == 0.0 else keep_scale(lead + (q.shape[-2], key.shape[-2]), dropout_p, q.dtype, q.device)
    return _attention(q, key, value, bias, keep, scale, is_causal)[0]


def _repeat_heads(fn, t, heads):
    """Grouped-query attention: each of the key/value heads serves ``heads / kv_heads`` query heads."""
    kv = t.shape[-3]
    if heads % kv:
        raise ValueError(f"{fn}: with enable_gqa the query's {heads} heads must be a multiple of the key's {kv}")
    t = nr.expand_dims(t, axis=t.ndim - 2)
    t = nr.broadcast_to(t, t.shape[:-4] + (kv, heads // kv) + t.shape[-2:])
    return nr.reshape(t, t.shape[:-4] + (heads,) + t.shape[-2:])


def multi_head_attention_forward(query, key, value, num_heads: int, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn: bool, dropout_p: float, out_proj_weight,
                                 out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None, use_separate_proj_weight: bool = False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None,
                                 average_attn_weights: bool = True, is_causal: bool = False):
    """torch's sequence-first multi-head attention: query (L, N, E), key/value (S, N, E) or unbatched (L, E).

    Boolean ``attn_mask``/``key_padding_mask`` are True where attention is *not* allowed (torch's convention).
    """
    fn = "multi_head_attention_forward"
    q_in = floating(query, fn, "query")
    batched = q_in.ndim == 3
    if not batched:
        query, key, value = (nr.expand_dims(t, axis=1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = nr.expand_dims(key_padding_mask, axis=0)
    L, N, E = query.shape
    S = key.shape[0]
    if E % num_heads:
        raise ValueError(f"{fn}: embed_dim {E} must be divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2] or key.shape[1] != N:
        raise ValueError(f"{fn}: key {key.shape} and value {value.shape} must be (S, N, *) with N={N}")
    hd = E // num_heads
    # self-attention: one projection GEMM with the packed weight, split into heads as views (as torch does);
    # three GEMMs, six slices of the weight and bias and their backward scatters otherwise
    packed = (not use_separate_proj_weight and query is key and key is value and bias_k is None
              and not add_zero_attn and in_proj_weight.shape == (3 * E, E))
    if packed:
        qkv = linear(query, in_proj_weight, in_proj_bias)  # (L, N, 3E) -> (3, N, H, L, hd)
        qkv = nr.permute_dims(nr.reshape(qkv, (L, N, 3, num_heads, hd)), (2, 1, 3, 0, 4))
    elif use_separate_proj_weight:
        bq, bk, bv = (None, None, None) if in_proj_bias is None else (
            in_proj_bias[0:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:])
        q = linear(query, q_proj_weight, bq)
        k = linear(key, k_proj_weight, bk)
        v = linear(value, v_proj_weight, bv)
    else:
        w = in_proj_weight
        b = (None, None, None) if in_proj_bias is None else (
            in_proj_bias[0:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:])
        q = linear(query, w[0:E], b[0])
        k = linear(key, w[E:2 * E], b[1])
        v = linear(value, w[2 * E:], b[2])
    proj = qkv if packed else q  # its dtype (autocast's, where on) is the masks' dtype
    if is_causal and attn_mask is None:
        attn_mask = nr.triu(nr.ones((L, S), dtype=nr.bool, device=proj.device), k=1)
    mask = None
    if attn_mask is not None:
        mask = _float_mask(attn_mask, proj.dtype, False)
        if mask.ndim == 2:
            if mask.shape != (L, S):
                raise ValueError(f"{fn}: a 2-D attn_mask must have shape ({L}, {S}), got {mask.shape}")
            mask = nr.reshape(mask, (1, 1, L, S))
        elif mask.ndim == 3:
            if mask.shape != (N * num_heads, L, S):
                raise ValueError(f"{fn}: a 3-D attn_mask must have shape ({N * num_heads}, {L}, {S}), got {mask.shape}")
            mask = nr.reshape(mask, (N, num_heads, L, S))
        else:
            raise ValueError(f"{fn}: attn_mask must be 2-D or 3-D, got shape {mask.shape}")
    kpm = None
    if key_padding_mask is not None:
        if key_padding_mask.shape != (N, S):
            raise ValueError(f"{fn}: key_padding_mask must have shape ({N}, {S}), got {key_padding_mask.shape}")
        kpm = nr.reshape(_float_mask(key_padding_mask, proj.dtype, False), (N, 1, 1, S))
    if bias_k is not None:
        k = nr.concat([k, nr.broadcast_to(nr.reshape(bias_k, (1, 1, E)), (1, N, E))], axis=0)
        v = nr.concat([v, nr.broadcast_to(nr.reshape(bias_v, (1, 1, E)), (1, N, E))], axis=0)
        mask, kpm = _extend(mask), _extend(kpm)
    if not packed:  # (T, N, E) -> (N, H, T, hd)
        q, k, v = (nr.permute_dims(nr.reshape(t, (t.shape[0], N, num_heads, hd)), (1, 2, 0, 3)) for t in (q, k, v))
    if add_zero_attn:
        z = nr.zeros((N, num_heads, 1, hd), dtype=k.dtype, device=k.device)
        k, v = nr.concat([k, z], axis=2), nr.concat([v, z], axis=2)
        mask, kpm = _extend(mask), _extend(kpm)
    bias = kpm if mask is None else mask if kpm is None else mask + kpm
    keep = None
    if dropout_p > 0.0 and training:
        keep = keep_scale((N, num_heads, L, L if packed else k.shape[2]), dropout_p, proj.dtype, proj.device)
    if packed:  # the three as one input: their gradient comes back as one array, not three scatters
        out, weights = _attention(qkv, None, None, bias, keep, 1.0 / math.sqrt(hd), False, packed=True)
    else:
        out, weights = _attention(q, k, v, bias, keep, 1.0 / math.sqrt(hd), False)  # (N, H, L, hd)
    if need_weights and keep is not None:
        weights = weights * keep  # torch reports the weights after dropout
    out = nr.reshape(nr.permute_dims(out, (2, 0, 1, 3)), (L, N, E))
    out = linear(out, out_proj_weight, out_proj_bias)
    attn = None
    if need_weights:
        attn = nr.mean(weights, axis=1) if average_attn_weights else weights
    if not batched:
        out = out[:, 0]
        attn = None if attn is None else attn[0]
    return out, attn


def _extend(mask):
    """One more (always attended) key position at the end of the last axis."""
    if mask is None:
        return None
    z = nr.zeros(mask.shape[:-1] + (1,), dtype=mask.dtype, device=mask.device)
    return nr.concat([mask, z], axis=-1)
