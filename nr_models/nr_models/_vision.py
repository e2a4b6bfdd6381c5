"""What every image classifier here shares: its preprocessing, its key maps, and a replaceable head."""
from __future__ import annotations

import nr_nn as nn

from .keymaps import IDENTITY, KeyMap
from .presets import IMAGENET, ImagePreset


def kaiming_fan_out_(module: nn.Module) -> None:
    """torchvision's CNN init: He-normal (fan_out) convolutions with zero bias, unit/zero norm layers."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class ImageClassifier(nn.Module):
    """Subclasses set ``head_path`` (the dotted name of the final ``Linear``) and may override ``init_head``."""

    head_path = "fc"
    key_maps: dict[str, KeyMap] = {"torchvision": IDENTITY, "nr": IDENTITY}
    preset: ImagePreset = IMAGENET

    def transforms(self):
        """The preprocessing these weights expect (``nr_data.transforms.Compose``), from ``self.preset``."""
        return self.preset.transforms()

    @property
    def head(self) -> nn.Linear:
        return self.get_submodule(self.head_path)

    def init_head(self, linear: nn.Linear) -> None:
        """Initialise a new head as the architecture does (torch's Linear default unless overridden)."""

    def replace_head(self, num_classes: int) -> nn.Linear:
        """Swap the final layer for a fresh ``num_classes``-way one (same device and dtype), in place; returns it.

        The usual fine-tuning start: load pretrained weights, replace the head, train it with the backbone frozen
        (``model.requires_grad_(False); model.head.requires_grad_(True)``), then unfreeze."""
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"replace_head: num_classes must be a positive int, got {num_classes!r}")
        old = self.head
        parent_path, _, name = self.head_path.rpartition(".")
        parent = self.get_submodule(parent_path)
        new = nn.Linear(old.in_features, num_classes, bias=old.bias is not None, device=old.weight.device,
                        dtype=old.weight.dtype)
        self.init_head(new)
        parent._modules[name] = new  # in place: keeps the position, so state_dict order stays torchvision's
        return new
