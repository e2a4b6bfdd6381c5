"""ResNet-18/34/50 with torchvision's module structure and key names (v1.5: the stride in the 3x3 conv)."""
from __future__ import annotations

from collections.abc import Sequence

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F

from ._vision import ImageClassifier, kaiming_fan_out_
from .keymaps import IDENTITY, KeyMap


def conv3x3(cin: int, cout: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, groups=groups, bias=False, dilation=dilation)


def conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1) -> None:
        super().__init__()
        if groups != 1 or base_width != 64 or dilation != 1:
            raise ValueError("BasicBlock: only groups=1, base_width=64 and dilation=1 are supported, got "
                             f"groups={groups}, base_width={base_width}, dilation={dilation}")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1) -> None:
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


# HuggingFace's ResNetForImageClassification (transformers' "resnet" model type) in torchvision's names;
# HF counts stages from 0, torchvision's layer{n} from 1
_STAGE = r"(?:resnet\.)?encoder\.stages\.(\d+)\.layers\.(\d+)\."


def _in_stage(rest: str):
    return lambda m: f"layer{int(m[1]) + 1}.{m[2]}." + m.expand(rest)


HF_RESNET = KeyMap(renames=(
    (r"(?:resnet\.)?embedder\.embedder\.convolution\.weight", "conv1.weight"),
    (r"(?:resnet\.)?embedder\.embedder\.normalization\.(\w+)", r"bn1.\1"),
    *((_STAGE + rf"layer\.{j}\.convolution\.weight", _in_stage(f"conv{j + 1}.weight")) for j in range(3)),
    *((_STAGE + rf"layer\.{j}\.normalization\.(\w+)", _in_stage(rf"bn{j + 1}.\3")) for j in range(3)),
    (_STAGE + r"shortcut\.convolution\.weight", _in_stage("downsample.0.weight")),
    (_STAGE + r"shortcut\.normalization\.(\w+)", _in_stage(r"downsample.1.\3")),
    (r"classifier\.1\.(weight|bias)", r"fc.\1"),
))


class ResNet(ImageClassifier):
    """torchvision's ``ResNet(block, layers, num_classes, ...)``; ``channels`` (the planes of the four stages) and
    ``stem_channels`` are additions for small configurations, at torchvision's values by default."""

    head_path = "fc"
    key_maps = {"torchvision": IDENTITY, "huggingface": HF_RESNET, "nr": IDENTITY}

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: Sequence[int], num_classes: int = 1000,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 channels: Sequence[int] = (64, 128, 256, 512), stem_channels: int = 64,
                 in_channels: int = 3) -> None:
        super().__init__()
        if len(layers) != 4 or len(channels) != 4 or min(layers) < 1:
            raise ValueError(f"ResNet: layers and channels need four stages with at least one block each, got "
                             f"layers={tuple(layers)}, channels={tuple(channels)}")
        self.inplanes, self.groups, self.base_width, self.dilation = stem_channels, groups, width_per_group, 1
        self.conv1 = nn.Conv2d(in_channels, stem_channels, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_channels)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, channels[0], layers[0])
        self.layer2 = self._make_layer(block, channels[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, channels[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, channels[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels[3] * block.expansion, num_classes)
        kaiming_fan_out_(self)
        if zero_init_residual:
            for m in self.modules():  # each residual branch starts as zero, so each block as the identity
                if isinstance(m, Bottleneck):
                    nn.init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, self.dilation)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                         dilation=self.dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward_features(self, x):
        """The pooled backbone features (N, C) before the head."""
        if not isinstance(x, nr.Tensor) or x.ndim != 4:
            raise ValueError(f"ResNet: expects images (N, C, H, W), got {getattr(x, 'shape', type(x).__name__)}")
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return nr.reshape(self.avgpool(x), (x.shape[0], -1))

    def forward(self, x):
        return self.fc(self.forward_features(x))


def resnet18(num_classes: int = 1000, **kwargs) -> ResNet:
    return ResNet(BasicBlock, (2, 2, 2, 2), num_classes, **kwargs)


def resnet34(num_classes: int = 1000, **kwargs) -> ResNet:
    return ResNet(BasicBlock, (3, 4, 6, 3), num_classes, **kwargs)


def resnet50(num_classes: int = 1000, **kwargs) -> ResNet:
    return ResNet(Bottleneck, (3, 4, 6, 3), num_classes, **kwargs)
