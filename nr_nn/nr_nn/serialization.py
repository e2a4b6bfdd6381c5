"""``save``/``load`` of state dicts as safetensors files, written atomically (temporary file, then rename)."""
from __future__ import annotations

import os

import numpy as np

import nr_core as nr
from nr_core.array_object import Tensor

from ._atomic_write import write_atomic

# what a checkpoint holds: nr's dtypes that safetensors stores (numpy dtype name -> safetensors code)
_CODES = {"bool": "BOOL", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64", "uint8": "U8",
          "uint16": "U16", "uint32": "U32", "uint64": "U64", "float32": "F32", "float64": "F64", "complex64": "C64"}
_FROM_CODE = {code: np.dtype(name) for name, code in _CODES.items()}


def save(state: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write ``state`` (name -> nr array) to ``path``; a crash mid-write never leaves a partial file there, and the
    temporary files of writers killed mid-write in that folder are removed."""
    from safetensors.numpy import save as _to_bytes
    if not hasattr(state, "items"):
        raise TypeError(f"save: expected a dict of nr arrays, got {type(state).__name__}")
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {key!r}")
        if not isinstance(value, Tensor):
            raise TypeError(f"save: value for {key!r} must be an nr array, got {type(value).__name__}")
        if value.dtype.name not in _CODES:
            raise TypeError(f"save: {key!r} is a {value.dtype.name} array {value.shape}, which a safetensors "
                            f"checkpoint cannot hold (it holds {', '.join(_CODES)})")
    host = {key: np.require(value.detach().numpy(), requirements="C")  # keeps 0-d arrays 0-d
            for key, value in state.items()}
    write_atomic(os.fspath(path), _to_bytes(host, metadata=metadata))


def load(path: str | os.PathLike, device=None) -> dict:
    """Read a safetensors file into a dict of nr arrays on ``device`` (default device when None)."""
    from safetensors import deserialize
    path = os.fspath(path)
    with open(path, "rb") as f:
        payload = f.read()
    try:
        entries = deserialize(payload)
    except Exception as exc:  # safetensors raises its own error types for truncated or malformed headers
        raise ValueError(f"load: {path!r} is not a valid safetensors file (truncated or corrupt, "
                         f"{len(payload)} bytes): {exc}") from exc
    out = {}
    for key, entry in entries:
        dtype = _FROM_CODE.get(entry["dtype"])
        if dtype is None:
            raise TypeError(f"load: {path!r} holds {key!r} as {entry['dtype']} {tuple(entry['shape'])}, a dtype nr "
                            f"arrays cannot hold (they load {', '.join(_FROM_CODE)})")
        out[key] = nr.asarray(np.frombuffer(entry["data"], dtype=dtype).reshape(entry["shape"]), device=device)
    return out
