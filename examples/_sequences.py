"""Small generated sequence tasks, so the sequence examples need no download."""
from __future__ import annotations

import numpy as np


def sine_frequencies(n: int, length: int = 24, n_classes: int = 4, seed: int = 0):
    """Noisy sine waves; the label is which of ``n_classes`` frequencies made the wave. x: (n, length, 1)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, n)
    freqs = 0.15 + 0.12 * labels
    t = np.arange(length)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    x = np.sin(freqs[:, None] * t[None, :] + phase) + 0.1 * rng.standard_normal((n, length))
    return x[..., None].astype(np.float32), labels.astype(np.int64)


def majority_tokens(n: int, length: int = 16, vocab: int = 8, seed: int = 0):
    """Token sequences; the label is which of tokens 1, 2, 3 occurs most (ties are never generated)."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while len(xs) < n:
        seq = rng.integers(0, vocab, length)
        counts = np.array([(seq == k).sum() for k in (1, 2, 3)])
        if (counts == counts.max()).sum() == 1:
            xs.append(seq)
            ys.append(int(counts.argmax()))
    return np.stack(xs).astype(np.int64), np.array(ys, dtype=np.int64)
