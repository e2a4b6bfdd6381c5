"""Transforms (torchvision's names and semantics) for nr arrays, numpy arrays and PIL images, plus sequence
transforms; random ones draw from the global nr state unless given ``generator=``."""
from __future__ import annotations

from .color import ColorJitter
from .container import Compose, Lambda
from .geometric import (CenterCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation,
                        RandomVerticalFlip, Resize)
from .sequence import PadSequence, SlidingWindow, Truncate
from .tensor import Normalize, ToTensor

__all__ = ["CenterCrop", "ColorJitter", "Compose", "Lambda", "Normalize", "Pad", "PadSequence", "RandomCrop",
           "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation", "RandomVerticalFlip", "Resize",
           "SlidingWindow", "ToTensor", "Truncate"]
