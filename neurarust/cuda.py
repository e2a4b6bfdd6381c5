"""``torch.cuda``: whether the CUDA backend (nr-backend-cuda) has devices here, and seeding."""
from __future__ import annotations

from nr_core import random as _random
from nr_core.plugins import REGISTRY


def device_count() -> int:
    """The CUDA devices an installed, working CUDA backend offers (0 otherwise)."""
    return sum(1 for d in REGISTRY.available_devices() if d.kind == "cuda")


def is_available() -> bool:
    return device_count() > 0


def manual_seed(seed: int) -> None:
    """Seed every generator (nr draws host and device numbers from one seeded state)."""
    _random.seed(seed)


manual_seed_all = manual_seed
