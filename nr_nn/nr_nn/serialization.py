"""``save``/``load`` of state dicts as safetensors files, written atomically (temporary file, then rename)."""
from __future__ import annotations

import os
import tempfile

import numpy as np

import nr_core as nr
from nr_core.tensor import Tensor


def save(state: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write ``state`` (name -> nr array) to ``path``; a crash mid-write never leaves a partial file there."""
    from safetensors.numpy import save as _to_bytes
    if not hasattr(state, "items"):
        raise TypeError(f"save: expected a dict of nr arrays, got {type(state).__name__}")
    host = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {key!r}")
        if not isinstance(value, Tensor):
            raise TypeError(f"save: value for {key!r} must be an nr array, got {type(value).__name__}")
        host[key] = np.require(value.detach().numpy(), requirements="C")  # keeps 0-d arrays 0-d
    payload = _to_bytes(host, metadata=metadata)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".nr-save-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike, device=None) -> dict:
    """Read a safetensors file into a dict of nr arrays on ``device`` (default device when None)."""
    from safetensors.numpy import load as _from_bytes
    path = os.fspath(path)
    with open(path, "rb") as f:
        payload = f.read()
    try:
        arrays = _from_bytes(payload)
    except Exception as exc:  # safetensors raises its own error types for truncated or malformed headers
        raise ValueError(f"load: {path!r} is not a valid safetensors file (truncated or corrupt, "
                         f"{len(payload)} bytes): {exc}") from exc
    return {key: nr.asarray(value, device=device) for key, value in arrays.items()}
