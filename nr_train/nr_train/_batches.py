"""What the Trainer reads from a batch: the inputs and target of ``(x, y)`` (or ``(x1, x2, ..., y)``) batches, the
number of samples, and the same structure on the training device."""
from __future__ import annotations

import nr_core as nr


def split(batch, where: str):
    """(inputs tuple, target or None): an array is an input alone; a tuple or list is inputs then the target."""
    if isinstance(batch, nr.Tensor):
        return (batch,), None
    if isinstance(batch, (tuple, list)) and batch:
        return (tuple(batch), None) if len(batch) == 1 else (tuple(batch[:-1]), batch[-1])
    raise TypeError(f"{where}: a batch must be an array or a tuple (inputs..., target), got {type(batch).__name__}; "
                    "define training_step/validation_step on the model for other batch layouts")


def size(batch) -> int:
    """The length of the first array found (depth first), 1 when there is none."""
    if isinstance(batch, nr.Tensor):
        return batch.shape[0] if batch.ndim else 1
    items = batch.values() if isinstance(batch, dict) else batch if isinstance(batch, (tuple, list)) else ()
    for item in items:
        if isinstance(item, (nr.Tensor, tuple, list, dict)):
            return size(item)
    return 1


def to_device(batch, device):
    """``batch`` with every array on ``device`` (arrays already there are not copied)."""
    if isinstance(batch, nr.Tensor):
        return batch if batch.device is device else batch.to_device(device)
    if isinstance(batch, tuple):
        return tuple(to_device(b, device) for b in batch)
    if isinstance(batch, list):
        return [to_device(b, device) for b in batch]
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    return batch
