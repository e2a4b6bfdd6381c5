"""nr_models: common vision and language architectures that load the PyTorch ecosystem's weights by their key
names: ResNet, VGG, MobileNetV2 and ViT in torchvision's structure, GPT-2 and BERT in HuggingFace's."""
from ._version import __version__
from .bert import BertForSequenceClassification, BertModel, bert
from .from_config import from_hf_config
from .generation import generate
from .gpt2 import GPT2LMHeadModel, gpt2
from .keymaps import Fuse, KeyMap
from .mobilenet import MobileNetV2, mobilenet_v2
from .presets import IMAGENET, ImagePreset
from .pretrained import LoadResult, PretrainedMismatchError, load_pretrained, read_safetensors
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .tokenization import encode_batch, load_tokenizer, train_bpe, train_wordpiece
from .vgg import VGG, make_layers, vgg11, vgg11_bn, vgg16, vgg16_bn
from .vit import VisionTransformer, vit_b_16

__all__ = ["__version__", "IMAGENET", "BasicBlock", "BertForSequenceClassification", "BertModel", "Bottleneck", "Fuse",
           "GPT2LMHeadModel", "ImagePreset", "KeyMap", "LoadResult", "MobileNetV2", "PretrainedMismatchError",
           "ResNet", "VGG", "VisionTransformer", "bert", "encode_batch", "from_hf_config", "generate", "gpt2",
           "load_pretrained", "load_tokenizer", "make_layers", "mobilenet_v2", "read_safetensors", "resnet18",
           "resnet34", "resnet50", "train_bpe", "train_wordpiece", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn",
           "vit_b_16"]
