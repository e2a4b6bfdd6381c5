"""``save``/``load`` of state dicts as safetensors files, written atomically (temporary file, then rename)."""
from __future__ import annotations

import os

import numpy as np

import nr_core as nr
from nr_core import dtypes as nr_dtypes
from nr_core.tensor import Tensor

from ._atomic_write import write_atomic

# what a checkpoint holds: nr's dtypes that safetensors stores (nr dtype name -> safetensors code)
_CODES = {"bool": "BOOL", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64", "uint8": "U8",
          "uint16": "U16", "uint32": "U32", "uint64": "U64", "float16": "F16", "bfloat16": "BF16", "float32": "F32",
          "float64": "F64", "complex64": "C64"}
_FROM_CODE = {code: nr_dtypes.from_name(name) for name, code in _CODES.items()}


def save(state: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write ``state`` (name -> nr array) to ``path``; a crash mid-write never leaves a partial file there, and the
    temporary files of writers killed mid-write in that folder are removed."""
    from safetensors import TensorSpec, serialize
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
    # safetensors' own specs (its NumPy helper knows no bfloat16): C order, little-endian, 0-d kept; ``hosts``
    # keeps the buffers alive while serialize reads them through their addresses
    hosts = [np.require(value.detach().numpy(), dtype=value.dtype.numpy.newbyteorder("<"), requirements="C")
             for value in state.values()]
    specs = {key: TensorSpec(dtype=value.dtype.name, shape=host.shape, data_ptr=host.ctypes.data, data_len=host.nbytes)
             for (key, value), host in zip(state.items(), hosts)}
    write_atomic(os.fspath(path), bytes(serialize(specs, metadata=metadata)))


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
        if dtype.numpy is None:
            raise TypeError(f"load: {path!r} holds {key!r} as {entry['dtype']} {tuple(entry['shape'])}, which needs "
                            "ml_dtypes (pip install ml_dtypes)")
        host = np.frombuffer(entry["data"], dtype=dtype.numpy.newbyteorder("<")).reshape(entry["shape"])
        out[key] = nr.asarray(host.astype(dtype.numpy, copy=False), device=device)
    return out
