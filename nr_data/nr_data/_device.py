"""Moving a collated batch to the loader's ``device=`` (through pinned host memory where the backend offers it)."""
from __future__ import annotations

import warnings

import numpy as np
import nr_core as nr
from nr_core.array_object import Tensor


class BatchMover:
    """Moves every nr array of a batch to ``device``. With ``pin_memory``, a backend that defines
    ``pin_memory(ndarray) -> ndarray`` (page-locked host memory, e.g. CUDA) stages the copy through it."""

    def __init__(self, device, pin_memory: bool) -> None:
        from nr_core.plugins import REGISTRY
        self.device, backend = REGISTRY.resolve(device)
        self.pin = getattr(backend, "pin_memory", None) if pin_memory else None
        if pin_memory and self.pin is None:
            warnings.warn(f"DataLoader: pin_memory=True has no effect for device {self.device}: its backend does "
                          "not offer pinned host memory", stacklevel=3)

    def __call__(self, batch):
        if isinstance(batch, Tensor):
            if self.pin is not None and batch.device is not self.device:
                batch = nr.asarray(self.pin(np.asarray(batch)), device="cpu")
            return batch.to_device(self.device)
        if isinstance(batch, dict):
            return {k: self(v) for k, v in batch.items()}
        if isinstance(batch, list):
            return [self(v) for v in batch]
        if isinstance(batch, tuple):
            items = [self(v) for v in batch]
            return type(batch)(*items) if hasattr(batch, "_fields") else tuple(items)
        return batch
