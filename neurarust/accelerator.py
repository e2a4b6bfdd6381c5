"""``torch.accelerator``: the best device of this machine, as the demo picks it (CUDA, then an OpenCL GPU)."""
from __future__ import annotations

from nr_core import Device
from nr_core.plugins import REGISTRY


def is_available() -> bool:
    """Whether the machine has an accelerator that an installed backend can use."""
    return bool(REGISTRY.accelerators())


def current_accelerator(check_available: bool = False) -> Device | None:
    """The accelerator to use (None when there is none, as PyTorch's)."""
    found = REGISTRY.accelerators()
    return found[0] if found else None


def device_count() -> int:
    """How many devices the current accelerator's kind has (0 without one)."""
    best = current_accelerator()
    return 0 if best is None else sum(1 for d in REGISTRY.accelerators() if d.kind == best.kind)
