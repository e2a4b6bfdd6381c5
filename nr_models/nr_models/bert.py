"""BERT (``BertModel`` and ``BertForSequenceClassification``) from a HuggingFace config dict, with HuggingFace's
module and key names."""
from __future__ import annotations

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F

from ._layers import check_ids, hf_init_, merge_heads, split_heads
from .hf_config import HFConfig, activation, mask_value
from .keymaps import IDENTITY, KeyMap

DEFAULTS = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                intermediate_size=3072, hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                max_position_embeddings=512, type_vocab_size=2, initializer_range=0.02, layer_norm_eps=1e-12,
                pad_token_id=0, position_embedding_type="absolute", classifier_dropout=None, is_decoder=False,
                add_cross_attention=False)

# TensorFlow-era checkpoints name LayerNorm's parameters gamma/beta; some saved the position_ids buffer
HF_BERT = KeyMap(renames=((r"(.*LayerNorm)\.gamma", r"\1.weight"), (r"(.*LayerNorm)\.beta", r"\1.bias")),
                 ignored=(r"(?:bert\.)?embeddings\.(position_ids|token_type_ids)",), base_prefix="bert")


class BertEmbeddings(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size, padding_idx=cfg.pad_token_id)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids):
        positions = nr.arange(input_ids.shape[1], device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x + self.position_embeddings(positions)))


class BertSelfAttention(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        h = cfg.hidden_size
        self.num_attention_heads = cfg.num_attention_heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dropout = nn.Dropout(cfg.attention_probs_dropout_prob)

    def forward(self, x, mask):
        q, k, v = (split_heads(proj(x), self.num_attention_heads) for proj in (self.query, self.key, self.value))
        p = self.dropout.p if self.training else 0.0
        return merge_heads(F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p))


class _DenseNorm(nn.Module):
    """dense -> dropout -> + residual -> LayerNorm (BertSelfOutput and BertOutput)."""

    def __init__(self, cin: int, cfg: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cin, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = _DenseNorm(cfg.hidden_size, cfg)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.act = activation(cfg.hidden_act, "bert")

    def forward(self, x):
        return self.act(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = _DenseNorm(cfg.intermediate_size, cfg)

    def forward(self, x, mask):
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.num_hidden_layers)])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, cfg: HFConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def forward(self, x):
        return nr.tanh(self.dense(x[:, 0]))


def _config(config) -> HFConfig:
    cfg = HFConfig(config, DEFAULTS, "bert")
    cfg.positive("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                 "max_position_embeddings", "type_vocab_size")
    cfg.divisible("hidden_size", "num_attention_heads")
    if cfg.position_embedding_type != "absolute":
        raise ValueError(f"bert: position_embedding_type {cfg.position_embedding_type!r} is not supported "
                         "(only 'absolute')")
    if cfg.is_decoder or cfg.add_cross_attention:
        raise ValueError("bert: decoder configurations (is_decoder, add_cross_attention) are not supported")
    return cfg


class BertModel(nn.Module):
    """The encoder: ``forward(input_ids, attention_mask=None, token_type_ids=None)`` returns
    (last hidden states (B, T, H), pooled [CLS] state (B, H) or None without a pooler)."""

    key_maps = {"huggingface": HF_BERT, "nr": IDENTITY}

    def __init__(self, config, add_pooling_layer: bool = True) -> None:
        super().__init__()
        cfg = config if isinstance(config, HFConfig) else _config(config)
        self.config = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)
        self.pooler = BertPooler(cfg) if add_pooling_layer else None
        hf_init_(self, cfg.initializer_range)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        ids = check_ids(input_ids, "bert", max_len=self.config.max_position_embeddings)
        b, t = ids.shape
        if token_type_ids is None:
            token_type_ids = nr.zeros((b, t), dtype=nr.int64, device=ids.device)
        elif tuple(token_type_ids.shape) != (b, t):
            raise ValueError(f"bert: token_type_ids {token_type_ids.shape} must match input_ids {ids.shape}")
        x = self.embeddings(ids, token_type_ids)
        mask = None
        if attention_mask is not None:
            if tuple(attention_mask.shape) != (b, t):
                raise ValueError(f"bert: attention_mask {attention_mask.shape} must match input_ids {ids.shape}")
            keep = nr.reshape(nr.astype(attention_mask, nr.bool), (b, 1, 1, t))
            zero = nr.zeros((b, 1, 1, t), dtype=x.dtype, device=x.device)
            mask = nr.where(keep, zero, mask_value(x.dtype))
        x = self.encoder(x, mask)
        return x, (None if self.pooler is None else self.pooler(x))


class BertForSequenceClassification(nn.Module):
    """BERT with a classification head on the pooled [CLS] state; ``forward`` returns logits (B, num_labels)."""

    key_maps = {"huggingface": HF_BERT, "nr": IDENTITY}
    head_path = "classifier"

    def __init__(self, config, num_labels: int | None = None) -> None:
        super().__init__()
        cfg = _config(config)
        self.num_labels = cfg.num_labels if num_labels is None else num_labels
        if not isinstance(self.num_labels, int) or self.num_labels < 1:
            raise ValueError(f"bert: num_labels must be a positive int, got {self.num_labels!r}")
        self.config = cfg
        self.bert = BertModel(cfg)
        drop = cfg.classifier_dropout if cfg.classifier_dropout is not None else cfg.hidden_dropout_prob
        self.dropout = nn.Dropout(drop)
        self.classifier = nn.Linear(cfg.hidden_size, self.num_labels)
        hf_init_(self.classifier, cfg.initializer_range)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        _, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.dropout(pooled))


def bert(config, num_labels: int | None = None) -> BertModel | BertForSequenceClassification:
    """BERT from a HuggingFace config dict: the bare encoder (``BertModel``) when ``num_labels`` is None, else
    ``BertForSequenceClassification`` with a ``num_labels``-way head."""
    if num_labels is None:
        return BertModel(config)
    return BertForSequenceClassification(config, num_labels)
