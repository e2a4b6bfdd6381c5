"""Vision Transformer (ViT-B/16 and any size) in torchvision's module structure and key names."""
from __future__ import annotations

import math
from collections import OrderedDict

import nr_core as nr
import nr_nn as nn

from ._vision import ImageClassifier
from .keymaps import IDENTITY, Fuse, KeyMap


class MLPBlock(nn.Sequential):
    """Linear -> GELU -> Dropout -> Linear -> Dropout (keys ``0`` and ``3``), xavier weights, near-zero biases."""

    def __init__(self, in_dim: int, mlp_dim: int, dropout: float) -> None:
        super().__init__(nn.Linear(in_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(mlp_dim, in_dim),
                         nn.Dropout(dropout))
        for m in (self[0], self[3]):
            nn.init.xavier_uniform_(m.weight)
            nn.init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm transformer layer: x + attn(ln_1(x)), then + mlp(ln_2(.))."""

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float, attention_dropout: float,
                 eps: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = nn.LayerNorm(hidden_dim, eps=eps)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = nn.LayerNorm(hidden_dim, eps=eps)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, x):
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + self.dropout(y)
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int,
                 dropout: float, attention_dropout: float, eps: float) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(nr.random.normal((1, seq_length, hidden_dim), std=0.02))
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout, eps))
            for i in range(num_layers)))
        self.ln = nn.LayerNorm(hidden_dim, eps=eps)

    def forward(self, x):
        return self.ln(self.layers(self.dropout(x + self.pos_embedding)))


# HuggingFace's ViTForImageClassification ("vit" model type) in torchvision's names; HF's separate query, key
# and value projections become torch's packed in_proj. Files use the names below; transformers 5 renames the
# live modules (layers.{i}.attention.q_proj, mlp.fc1 ...), so its in-memory state_dict() has those: both load.
_LAYER = r"(?:vit\.)?(?:encoder\.layer|layers)\.(\d+)\."
_TV_LAYER = r"encoder.layers.encoder_layer_\1."
HF_VIT = KeyMap(
    renames=(
        (r"(?:vit\.)?embeddings\.cls_token", "class_token"),
        (r"(?:vit\.)?embeddings\.position_embeddings", "encoder.pos_embedding"),
        (r"(?:vit\.)?embeddings\.patch_embeddings\.projection\.(weight|bias)", r"conv_proj.\1"),
        (_LAYER + r"layernorm_before\.(weight|bias)", _TV_LAYER + r"ln_1.\2"),
        (_LAYER + r"layernorm_after\.(weight|bias)", _TV_LAYER + r"ln_2.\2"),
        (_LAYER + r"attention\.(?:output\.dense|o_proj)\.(weight|bias)", _TV_LAYER + r"self_attention.out_proj.\2"),
        (_LAYER + r"(?:intermediate\.dense|mlp\.fc1)\.(weight|bias)", _TV_LAYER + r"mlp.0.\2"),
        (_LAYER + r"(?:output\.dense|mlp\.fc2)\.(weight|bias)", _TV_LAYER + r"mlp.3.\2"),
        (r"(?:vit\.)?layernorm\.(weight|bias)", r"encoder.ln.\1"),
        (r"classifier\.(weight|bias)", r"heads.head.\1"),
    ),
    fuses=(Fuse(_LAYER + r"attention\.attention\.(query|key|value)\.(weight|bias)",
                _TV_LAYER + r"self_attention.in_proj_\3", part=2, order=("query", "key", "value")),
           Fuse(_LAYER + r"attention\.(q|k|v)_proj\.(weight|bias)",
                _TV_LAYER + r"self_attention.in_proj_\3", part=2, order=("q", "k", "v"))),
)


class VisionTransformer(ImageClassifier):
    """torchvision's ``VisionTransformer(image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, ...)``;
    ``layer_norm_eps`` (torchvision: 1e-6, HuggingFace: 1e-12) and ``in_channels`` are additions."""

    head_path = "heads.head"
    key_maps = {"torchvision": IDENTITY, "huggingface": HF_VIT, "nr": IDENTITY}

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float = 0.0, attention_dropout: float = 0.0, num_classes: int = 1000,
                 representation_size: int | None = None, layer_norm_eps: float = 1e-6, in_channels: int = 3) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"VisionTransformer: image_size ({image_size}) must be divisible by patch_size "
                             f"({patch_size})")
        self.image_size, self.patch_size, self.hidden_dim = image_size, patch_size, hidden_dim
        self.mlp_dim, self.num_classes, self.representation_size = mlp_dim, num_classes, representation_size
        self.conv_proj = nn.Conv2d(in_channels, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2 + 1
        self.class_token = nn.Parameter(nr.zeros((1, 1, hidden_dim)))
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                               layer_norm_eps)
        self.seq_length = seq_length
        heads: OrderedDict[str, nn.Module] = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = nn.Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
            nn.init.trunc_normal_(heads["pre_logits"].weight, std=math.sqrt(1.0 / hidden_dim))
            nn.init.zeros_(heads["pre_logits"].bias)
        self.heads = nn.Sequential(heads)
        fan_in = in_channels * patch_size * patch_size
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1.0 / fan_in))
        nn.init.zeros_(self.conv_proj.bias)
        self.init_head(self.heads.head)

    def init_head(self, linear: nn.Linear) -> None:
        nn.init.zeros_(linear.weight)
        nn.init.zeros_(linear.bias)

    def _process_input(self, x):
        if not isinstance(x, nr.Tensor) or x.ndim != 4:
            raise ValueError(f"VisionTransformer: expects images (N, C, H, W), got "
                             f"{getattr(x, 'shape', type(x).__name__)}")
        n, _, h, w = x.shape
        if h != self.image_size or w != self.image_size:
            raise ValueError(f"VisionTransformer: expects {self.image_size}x{self.image_size} images (its position "
                             f"embedding is that size), got {h}x{w}")
        x = self.conv_proj(x)
        x = nr.reshape(x, (n, self.hidden_dim, -1))
        return nr.permute_dims(x, (0, 2, 1))

    def forward_features(self, x):
        """The class token's final embedding (N, hidden_dim)."""
        x = self._process_input(x)
        token = nr.broadcast_to(self.class_token, (x.shape[0], 1, self.hidden_dim))
        return self.encoder(nr.concat([token, x], axis=1))[:, 0]

    def forward(self, x):
        return self.heads(self.forward_features(x))


def vit_b_16(num_classes: int = 1000, **kwargs) -> VisionTransformer:
    kwargs.setdefault("image_size", 224)
    return VisionTransformer(patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072,
                             num_classes=num_classes, **kwargs)
