"""Small pieces the language models share: HuggingFace's transposed projection, head splitting, init."""
from __future__ import annotations

import nr_core as nr
import nr_nn as nn


class Conv1D(nn.Module):
    """GPT-2's projection ``x @ weight + bias`` with ``weight`` of shape (in, out), transposed from ``Linear``,
    so that HuggingFace's GPT-2 keys and shapes load as they are. Arguments in HF's order: (nf=out, nx=in)."""

    def __init__(self, nf: int, nx: int) -> None:
        super().__init__()
        self.nf, self.nx = nf, nx
        self.weight = nn.Parameter(nr.random.normal((nx, nf), std=0.02))
        self.bias = nn.Parameter(nr.zeros((nf,)))

    def forward(self, x):
        return nr.matmul(x, self.weight) + self.bias

    def extra_repr(self) -> str:
        return f"nf={self.nf}, nx={self.nx}"


def split_heads(x, heads: int):
    """(B, T, H*d) -> (B, H, T, d)."""
    b, t, e = x.shape
    return nr.permute_dims(nr.reshape(x, (b, t, heads, e // heads)), (0, 2, 1, 3))


def merge_heads(x):
    """(B, H, T, d) -> (B, T, H*d)."""
    b, h, t, d = x.shape
    return nr.reshape(nr.permute_dims(x, (0, 2, 1, 3)), (b, t, h * d))


def hf_init_(module: nn.Module, std: float) -> None:
    """HuggingFace's ``_init_weights`` for BERT and GPT-2: N(0, std) weights, zero biases, zeroed padding rows,
    unit/zero LayerNorm."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, Conv1D)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, std)
            if m.padding_idx is not None:
                with nr.no_grad():
                    m.weight[m.padding_idx] = 0.0
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def check_ids(ids, where: str, vocab: int | None = None, max_len: int | None = None):
    """``ids`` as a (B, T) integer nr array (a 1-D sequence gets a batch axis), checked before any work."""
    if not isinstance(ids, nr.Tensor):
        raise TypeError(f"{where}: input_ids must be an nr integer array, got {type(ids).__name__}")
    if ids.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{where}: input_ids must be integers, got dtype {ids.dtype.name}")
    if ids.ndim == 1:
        ids = nr.expand_dims(ids, axis=0)
    if ids.ndim != 2 or ids.shape[1] == 0:
        raise ValueError(f"{where}: input_ids must be (batch, seq) with seq >= 1, got shape {ids.shape}")
    if max_len is not None and ids.shape[1] > max_len:
        raise ValueError(f"{where}: sequence length {ids.shape[1]} exceeds the model's {max_len} positions")
    return ids
