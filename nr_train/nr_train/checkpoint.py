"""Checkpoint files: one safetensors file per checkpoint, arrays as tensors and everything else as JSON metadata,
written to a temporary name and renamed (``nr_nn.save``), so a crash never leaves a partial checkpoint."""
from __future__ import annotations

import os
from typing import Any

import nr_nn as nn

from . import _codec

FORMAT = "nr_train.checkpoint/1"


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> None:
    """Write ``state`` (a nested dict of arrays, numbers, strings, lists, tuples) to ``path`` atomically."""
    arrays, text = _codec.encode(state, where="save_checkpoint")
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    os.makedirs(folder, exist_ok=True)
    nn.save(arrays, path, metadata={"format": FORMAT, "state": text})


def load_checkpoint(path: str | os.PathLike, device=None) -> dict[str, Any]:
    """Read a checkpoint of ``save_checkpoint``; its nr arrays are put on ``device`` (the host when None)."""
    from safetensors import safe_open

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_checkpoint: no checkpoint at {path!r}")
    arrays = nn.load(path, device="cpu")  # raises ValueError for a truncated or corrupt file
    with safe_open(path, "numpy") as f:
        meta = f.metadata() or {}
    if meta.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: {path!r} is a safetensors file but not an nr_train checkpoint "
                         f"(format {meta.get('format')!r}, expected {FORMAT!r}); nr_nn.load reads plain weights")
    return _codec.decode(arrays, meta["state"], device=device)
