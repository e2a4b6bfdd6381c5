"""``from_hf_config``: the nr model that matches a HuggingFace config dict, by its ``model_type``, so that
``load_pretrained(model, checkpoint, source="huggingface")`` fits it."""
from __future__ import annotations

from .bert import BertForSequenceClassification, BertModel
from .gpt2 import gpt2
from .hf_config import HFConfig
from .resnet import BasicBlock, Bottleneck, ResNet
from .vit import VisionTransformer


def resnet_from_hf(config) -> ResNet:
    """torchvision's ResNet shaped like transformers' ``ResNetForImageClassification`` config."""
    cfg = HFConfig(config, dict(num_channels=3, embedding_size=64, hidden_sizes=[256, 512, 1024, 2048],
                                depths=[3, 4, 6, 3], layer_type="bottleneck", hidden_act="relu",
                                downsample_in_first_stage=False, downsample_in_bottleneck=False), "resnet")
    block = {"basic": BasicBlock, "bottleneck": Bottleneck}.get(cfg.layer_type)
    if block is None or cfg.hidden_act != "relu" or cfg.downsample_in_first_stage or cfg.downsample_in_bottleneck:
        raise ValueError("resnet: only layer_type 'basic'/'bottleneck' with hidden_act 'relu' and the default "
                         "downsampling (torchvision's) map onto torchvision's ResNet; got "
                         f"layer_type={cfg.layer_type!r}, hidden_act={cfg.hidden_act!r}, "
                         f"downsample_in_first_stage={cfg.downsample_in_first_stage}, "
                         f"downsample_in_bottleneck={cfg.downsample_in_bottleneck}")
    if len(cfg.depths) != 4 or any(h % block.expansion for h in cfg.hidden_sizes):
        raise ValueError(f"resnet: needs four stages with hidden_sizes divisible by {block.expansion}, got "
                         f"depths={cfg.depths}, hidden_sizes={cfg.hidden_sizes}")
    return ResNet(block, cfg.depths, cfg.num_labels, channels=[h // block.expansion for h in cfg.hidden_sizes],
                  stem_channels=cfg.embedding_size, in_channels=cfg.num_channels)


def vit_from_hf(config) -> VisionTransformer:
    """torchvision's VisionTransformer shaped like transformers' ``ViTForImageClassification`` config."""
    cfg = HFConfig(config, dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                                hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                                layer_norm_eps=1e-12, image_size=224, patch_size=16, num_channels=3, qkv_bias=True),
                   "vit")
    if cfg.hidden_act != "gelu" or not cfg.qkv_bias:
        raise ValueError(f"vit: torchvision's ViT has exact GELU and query/key/value biases; got hidden_act="
                         f"{cfg.hidden_act!r}, qkv_bias={cfg.qkv_bias}")
    return VisionTransformer(cfg.image_size, cfg.patch_size, cfg.num_hidden_layers, cfg.num_attention_heads,
                             cfg.hidden_size, cfg.intermediate_size, dropout=cfg.hidden_dropout_prob,
                             attention_dropout=cfg.attention_probs_dropout_prob, num_classes=cfg.num_labels,
                             layer_norm_eps=cfg.layer_norm_eps, in_channels=cfg.num_channels)


def from_hf_config(config):
    """The model for a HuggingFace config dict: "resnet" and "vit" give torchvision-structured models (their
    HuggingFace checkpoints load through a key map), "gpt2" the LM-head model, "bert" the sequence classifier
    when the config's architectures name it, else the bare encoder."""
    cfg = HFConfig(config, {}, "from_hf_config")
    kind = cfg.get("model_type")
    if kind == "resnet":
        return resnet_from_hf(cfg.to_dict())
    if kind == "vit":
        return vit_from_hf(cfg.to_dict())
    if kind == "gpt2":
        return gpt2(cfg.to_dict())
    if kind == "bert":
        if "BertForSequenceClassification" in (cfg.get("architectures") or ()):
            return BertForSequenceClassification(cfg.to_dict())
        return BertModel(cfg.to_dict())
    raise ValueError(f"from_hf_config: model_type {kind!r} is not supported; known: resnet, vit, gpt2, bert")

