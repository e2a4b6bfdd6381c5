"""VGG-11/16, with and without batch norm, in torchvision's module structure and key names."""
from __future__ import annotations

from collections.abc import Sequence

import nr_core as nr
import nr_nn as nn

from ._vision import ImageClassifier, kaiming_fan_out_

CFGS = {
    "A": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "D": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
}


def make_layers(cfg: Sequence[int | str], batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    """torchvision's feature stack: 3x3 convs (padding 1), optional BatchNorm, ReLU; "M" is a 2x2 max pool."""
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"make_layers: each entry must be a positive channel count or 'M', got {v!r}")
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


def _init_linear(m: nn.Linear) -> None:
    nn.init.normal_(m.weight, 0.0, 0.01)
    nn.init.zeros_(m.bias)


class VGG(ImageClassifier):
    """torchvision's ``VGG(features, num_classes, init_weights, dropout)``; ``hidden`` and ``pool_size`` (4096 and
    7 there) are additions for small configurations."""

    head_path = "classifier.6"

    def __init__(self, features: nn.Sequential, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5, hidden: int = 4096, pool_size: int = 7) -> None:
        super().__init__()
        convs = [m for m in features.modules() if isinstance(m, nn.Conv2d)]
        if not convs:
            raise ValueError("VGG: features must contain at least one Conv2d")
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Linear(convs[-1].out_channels * pool_size * pool_size, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(hidden, num_classes))
        if init_weights:
            kaiming_fan_out_(self)
            for m in self.classifier:
                if isinstance(m, nn.Linear):
                    _init_linear(m)

    def init_head(self, linear: nn.Linear) -> None:
        _init_linear(linear)

    def forward_features(self, x):
        if not isinstance(x, nr.Tensor) or x.ndim != 4:
            raise ValueError(f"VGG: expects images (N, C, H, W), got {getattr(x, 'shape', type(x).__name__)}")
        x = self.avgpool(self.features(x))
        return nr.reshape(x, (x.shape[0], -1))

    def forward(self, x):
        return self.classifier(self.forward_features(x))


def _vgg(cfg: str, batch_norm: bool, num_classes: int, **kwargs) -> VGG:
    return VGG(make_layers(CFGS[cfg], batch_norm), num_classes, **kwargs)


def vgg11(num_classes: int = 1000, **kwargs) -> VGG:
    return _vgg("A", False, num_classes, **kwargs)


def vgg11_bn(num_classes: int = 1000, **kwargs) -> VGG:
    return _vgg("A", True, num_classes, **kwargs)


def vgg16(num_classes: int = 1000, **kwargs) -> VGG:
    return _vgg("D", False, num_classes, **kwargs)


def vgg16_bn(num_classes: int = 1000, **kwargs) -> VGG:
    return _vgg("D", True, num_classes, **kwargs)
