"""GPT-2 (``GPT2LMHeadModel``) built from a HuggingFace config dict, with HuggingFace's module and key names."""
from __future__ import annotations

import math

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F

from ._layers import Conv1D, check_ids, hf_init_, merge_heads, split_heads
from .generation import generate
from .hf_config import HFConfig, activation
from .keymaps import IDENTITY, KeyMap

DEFAULTS = dict(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12, n_inner=None,
                activation_function="gelu_new", resid_pdrop=0.1, embd_pdrop=0.1, attn_pdrop=0.1,
                layer_norm_epsilon=1e-5, initializer_range=0.02, scale_attn_weights=True,
                scale_attn_by_inverse_layer_idx=False, tie_word_embeddings=True, add_cross_attention=False)

# old GPT-2 checkpoints saved the causal-mask buffers; a bare GPT2Model checkpoint lacks the "transformer." prefix
HF_GPT2 = KeyMap(ignored=(r".*\.attn\.(bias|masked_bias)",), base_prefix="transformer")


class GPT2Attention(nn.Module):
    def __init__(self, cfg: HFConfig, layer_idx: int) -> None:
        super().__init__()
        e = cfg.n_embd
        self.num_heads, self.head_dim = cfg.n_head, e // cfg.n_head
        self.c_attn = Conv1D(3 * e, e)
        self.c_proj = Conv1D(e, e)
        self.attn_dropout = nn.Dropout(cfg.attn_pdrop)
        self.resid_dropout = nn.Dropout(cfg.resid_pdrop)
        self.scale = 1.0 / math.sqrt(self.head_dim) if cfg.scale_attn_weights else 1.0
        if cfg.scale_attn_by_inverse_layer_idx:
            self.scale /= layer_idx + 1

    def forward(self, x):
        e = x.shape[-1]
        qkv = self.c_attn(x)
        q, k, v = (split_heads(qkv[:, :, i * e:(i + 1) * e], self.num_heads) for i in range(3))
        p = self.attn_dropout.p if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True, scale=self.scale)
        return self.resid_dropout(self.c_proj(merge_heads(y)))


class GPT2MLP(nn.Module):
    def __init__(self, inner: int, cfg: HFConfig) -> None:
        super().__init__()
        self.c_fc = Conv1D(inner, cfg.n_embd)
        self.c_proj = Conv1D(cfg.n_embd, inner)
        self.act = activation(cfg.activation_function, "gpt2")
        self.dropout = nn.Dropout(cfg.resid_pdrop)

    def forward(self, x):
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class GPT2Block(nn.Module):
    def __init__(self, cfg: HFConfig, layer_idx: int) -> None:
        super().__init__()
        inner = cfg.n_inner or 4 * cfg.n_embd
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = GPT2Attention(cfg, layer_idx)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.mlp = GPT2MLP(inner, cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2Model(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.drop = nn.Dropout(cfg.embd_pdrop)
        self.h = nn.ModuleList([GPT2Block(cfg, i) for i in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)

    def forward(self, input_ids):
        positions = nr.arange(input_ids.shape[1], device=input_ids.device)
        x = self.drop(self.wte(input_ids) + self.wpe(positions))
        for block in self.h:
            x = block(x)
        return self.ln_f(x)


class GPT2LMHeadModel(nn.Module):
    """GPT-2 with its causal language-model head (tied to the token embedding unless the config says not)."""

    key_maps = {"huggingface": HF_GPT2, "nr": IDENTITY}

    def __init__(self, config) -> None:
        super().__init__()
        cfg = HFConfig(config, DEFAULTS, "gpt2")
        cfg.positive("vocab_size", "n_positions", "n_embd", "n_layer", "n_head")
        cfg.divisible("n_embd", "n_head")
        if cfg.add_cross_attention:
            raise ValueError("gpt2: add_cross_attention=True (an encoder-decoder GPT-2) is not supported")
        self.config = cfg
        self.transformer = GPT2Model(cfg)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        hf_init_(self, cfg.initializer_range)
        for name, p in self.named_parameters():  # GPT-2's scaled init of the residual projections
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, cfg.initializer_range / math.sqrt(2 * cfg.n_layer))
        if cfg.tie_word_embeddings:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, input_ids):
        """Logits (B, T, vocab_size) of the next token at every position of ``input_ids`` (B, T)."""
        ids = check_ids(input_ids, "gpt2", max_len=self.config.n_positions)
        return self.lm_head(self.transformer(ids))

    def generate(self, ids, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 eos_token_id: int | None = None):
        """``ids`` extended by up to ``max_new_tokens`` tokens: greedy when ``temperature=0``, else sampled from
        softmax(logits / temperature) over the ``top_k`` most likely (all when None)."""
        ids = check_ids(ids, "gpt2.generate")
        return generate(self, ids, max_new_tokens, temperature, top_k, eos_token_id,
                        context=self.config.n_positions)


def gpt2(config) -> GPT2LMHeadModel:
    """GPT-2 from a HuggingFace config dict (``hf_model.config.to_dict()``) or a ``config.json`` path."""
    return GPT2LMHeadModel(config)
