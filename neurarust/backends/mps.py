"""``torch.backends.mps``: Apple GPUs, which nr reaches through the Metal backend (nr-backend-metal)."""
from __future__ import annotations

from nr_core.plugins import REGISTRY


def is_available() -> bool:
    return any(d.kind == "metal" for d in REGISTRY.available_devices())
