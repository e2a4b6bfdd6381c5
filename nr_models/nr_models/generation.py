"""Autoregressive decoding for causal language models: greedy, temperature and top-k sampling."""
from __future__ import annotations

import nr_core as nr
import nr_nn.functional as F


def next_token(logits, temperature: float, top_k: int | None):
    """One token per row of ``logits`` (B, V): the argmax when ``temperature`` is 0, else a draw from
    softmax(logits / temperature) restricted to the ``top_k`` largest (ties at the k-th value are kept)."""
    if temperature == 0:
        return nr.argmax(logits, axis=-1)
    scaled = logits / temperature
    if top_k is not None and top_k < scaled.shape[-1]:
        kth = nr.sort(scaled, axis=-1, descending=True)[:, top_k - 1:top_k]
        scaled = nr.where(scaled < kth, float("-inf"), scaled)
    cdf = nr.cumulative_sum(F.softmax(scaled, dim=-1), axis=-1)
    u = nr.random.uniform((scaled.shape[0], 1), dtype=cdf.dtype, device=cdf.device) * cdf[:, -1:]
    picked = nr.sum(nr.astype(cdf < u, nr.int64), axis=-1)  # inverse-CDF sampling: the first bin past u
    return nr.minimum(picked, scaled.shape[-1] - 1)


def generate(model, ids, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
             eos_token_id: int | None = None, context: int | None = None):
    """``ids`` (B, T) extended by ``max_new_tokens`` tokens from ``model(ids) -> logits (B, T, V)``, each from
    the last position's logits; the model sees at most its last ``context`` tokens. Stops early once every row
    has produced ``eos_token_id``. Draws from ``nr.random`` (seed it with ``nr.random.seed``)."""
    if not isinstance(max_new_tokens, int) or max_new_tokens < 0:
        raise ValueError(f"generate: max_new_tokens must be a non-negative int, got {max_new_tokens!r}")
    if not temperature >= 0:
        raise ValueError(f"generate: temperature must be >= 0 (0 is greedy), got {temperature!r}")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"generate: top_k must be a positive int or None, got {top_k!r}")
    was_training = model.training
    model.eval()
    done = None
    try:
        with nr.no_grad():
            for _ in range(max_new_tokens):
                window = ids if context is None else ids[:, -context:]
                token = next_token(model(window)[:, -1, :], temperature, top_k)
                ids = nr.concat([ids, nr.astype(nr.expand_dims(token, axis=1), ids.dtype)], axis=1)
                if eos_token_id is not None:
                    hit = token == eos_token_id
                    done = hit if done is None else nr.logical_or(done, hit)
                    if bool(nr.all(done)):
                        break
    finally:
        model.train(was_training)
    return ids
