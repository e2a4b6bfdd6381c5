"""``save``/``load`` (also PyTorch's ``torch.save``/``torch.load`` in ``neurarust``): safetensors files, written
atomically (temporary file, then rename).

What a file holds, by what was saved:

- a state dict, or nested dicts, lists and tuples of arrays, numbers, strings and None (a checkpoint with the
  optimizer's state and the epoch): the arrays as tensors named by their place (a state dict's arrays under
  their own names, so any safetensors tool reads it), the nesting and order as JSON in the header's metadata
  (``nr.tree``). No pickle: ``load`` reads it back with ``weights_only=True``, the default, as PyTorch 2.13;
- anything else (a whole Module): a pickle stored in the file next to its arrays. As in PyTorch, ``load`` refuses
  it unless the caller passes ``weights_only=False``, which runs the pickle's code.
"""
from __future__ import annotations

import io
import json
import os
import pickle

import numpy as np

import nr_core as nr
from nr_core import dtypes as nr_dtypes
from nr_core.array_object import Tensor

from ._atomic_write import write_atomic
from .parameter import Parameter

# what a checkpoint holds: nr's dtypes that safetensors stores (nr dtype name -> safetensors code)
_CODES = {"bool": "BOOL", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64", "uint8": "U8",
          "uint16": "U16", "uint32": "U32", "uint64": "U64", "float16": "F16", "bfloat16": "BF16", "float32": "F32",
          "float64": "F64", "complex64": "C64"}
_FROM_CODE = {code: nr_dtypes.from_name(name) for name, code in _CODES.items()}

TREE = "nr.tree"  # metadata key: the JSON nesting of a checkpoint that is not a flat state dict
PICKLED = "nr.pickled"  # metadata key: the type of a pickled object (weights_only=False to load)
PICKLE = "nr.pickle"  # tensor name of that object's pickle bytes
_RESERVED = (TREE, PICKLED, PICKLE)
UNSAFE = ("Re-running load with weights_only=False will likely succeed, but it can result in arbitrary code "
          "execution. Do it only if you got the file from a trusted source.")


# ---- save ------------------------------------------------------------------------------------------
def save(obj, f, metadata: dict | None = None) -> None:
    """Write ``obj`` to ``f`` (a path, or a binary file object) as described in the module docstring; a crash
    mid-write never leaves a partial file at a path, and the temporary files of writers killed mid-write in that
    folder are removed. ``metadata`` (str -> str) goes into the file's header."""
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("save: metadata must map strings to strings")
        if any(k in metadata for k in _RESERVED):
            raise ValueError(f"save: metadata keys {_RESERVED} are nr's own")
    arrays: dict[str, Tensor] = {}
    meta = dict(metadata or {})
    try:
        meta[TREE] = json.dumps(_encode(obj, "", arrays), allow_nan=True)
    except _NotPlain:
        arrays = {}
        payload = _pickle(obj, arrays)
        arrays[PICKLE] = nr.asarray(np.frombuffer(payload, dtype=np.uint8))
        meta[PICKLED] = f"{type(obj).__module__}.{type(obj).__qualname__}"
    for key, value in arrays.items():
        _check_storable(key, value)
    payload = _to_bytes(arrays, meta or None)
    if hasattr(f, "write"):
        f.write(payload)
    else:
        write_atomic(os.fspath(f), payload)


def _to_bytes(arrays: dict[str, Tensor], metadata: dict | None) -> bytes:
    """The safetensors file of ``arrays``, through safetensors' own specs (its NumPy helper knows no bfloat16): C
    order, little-endian, 0-d kept; ``hosts`` keeps the buffers alive while serialize reads their addresses."""
    from safetensors import TensorSpec, serialize
    hosts = [np.require(value.detach().numpy(), dtype=value.dtype.numpy.newbyteorder("<"), requirements="C")
             for value in arrays.values()]
    specs = {key: TensorSpec(dtype=value.dtype.name, shape=host.shape, data_ptr=host.ctypes.data, data_len=host.nbytes)
             for (key, value), host in zip(arrays.items(), hosts)}
    return bytes(serialize(specs, metadata=metadata))


def _check_storable(key: str, value: Tensor) -> None:
    if value.dtype.name not in _CODES:
        raise TypeError(f"save: {key!r} is a {value.dtype.name} array {value.shape}, which a safetensors "
                        f"checkpoint cannot hold (it holds {', '.join(_CODES)})")


class _NotPlain(Exception):
    """The object holds something the JSON tree cannot (it is pickled instead)."""


def _encode(obj, path: str, arrays: dict):
    """JSON for the nesting of ``obj``; its arrays go into ``arrays`` under their path (``state.0.exp_avg``)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Tensor):
        if type(obj) is not Tensor and not isinstance(obj, Parameter):
            raise _NotPlain
        key = _unique(path or "tensor", arrays)
        arrays[key] = obj
        node = {"t": key}
        if str(obj.device) != "cpu":
            node["dev"] = str(obj.device)
        return node
    if isinstance(obj, np.ndarray) and obj.dtype.name in _CODES:
        key = _unique(path or "array", arrays)
        arrays[key] = nr.asarray(obj, device="cpu")
        return {"n": key}
    if type(obj) in (list, tuple):
        items = [_encode(v, _join(path, str(i)), arrays) for i, v in enumerate(obj)]
        return {"l" if type(obj) is list else "u": items}
    if isinstance(obj, dict) and type(obj).__module__ in ("builtins", "collections"):
        if not all(k is None or isinstance(k, (bool, int, float, str)) for k in obj):
            raise _NotPlain
        return {"d": [[k, _encode(v, _join(path, str(k)), arrays)] for k, v in obj.items()]}
    raise _NotPlain


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _unique(key: str, arrays: dict) -> str:
    out, n = key, 1
    while out in arrays or out in _RESERVED:
        out, n = f"{key}#{n}", n + 1
    return out


class _Pickler(pickle.Pickler):
    """Pickles an object with its arrays left out: each becomes a reference to a tensor of the file."""

    def __init__(self, file, arrays: dict):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.arrays, self.seen = arrays, {}

    def persistent_id(self, obj):
        if not isinstance(obj, Tensor):
            return None
        key = self.seen.get(id(obj))
        if key is None:  # one tensor per array object, so tied weights stay tied
            key = self.seen[id(obj)] = f"pickled.{len(self.seen)}"
            self.arrays[key] = obj
        return ("nr.array", key, isinstance(obj, Parameter), obj.requires_grad, str(obj.device))


def _pickle(obj, arrays: dict) -> bytes:
    buf = io.BytesIO()
    try:
        _Pickler(buf, arrays).dump(obj)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise TypeError(f"save: cannot store a {type(obj).__name__}: it is neither arrays, numbers and strings in "
                        f"dicts, lists and tuples, nor picklable ({exc})") from exc
    return buf.getvalue()


# ---- load ------------------------------------------------------------------------------------------
def load(f, map_location=None, *, device=None, weights_only: bool = True):
    """Read what ``save`` wrote from ``f`` (a path or a binary file object).

    ``map_location`` (or ``device``) puts the arrays: None keeps the device each was saved from (the default
    device for a file without nr's metadata), a device moves all there, a dict maps saved device strings to
    devices, and a callable ``fn(array_on_cpu, saved_device_str)`` returns each array, as in PyTorch. A pickled
    object loads only with ``weights_only=False`` (``pickle.UnpicklingError`` otherwise, before any of it runs).
    """
    from safetensors import deserialize
    if device is not None:
        if map_location is not None:
            raise TypeError("load: pass map_location or device, not both")
        map_location = device
    name, payload = _read(f)
    try:
        entries = deserialize(payload)
        header_meta = _metadata(payload)
    except Exception as exc:  # safetensors raises its own error types for truncated or malformed headers
        raise ValueError(f"load: {name} is not a valid safetensors file (truncated or corrupt, "
                         f"{len(payload)} bytes): {exc}") from exc
    raw = {}
    for key, entry in entries:
        dtype = _FROM_CODE.get(entry["dtype"])
        if dtype is None:
            raise TypeError(f"load: {name} holds {key!r} as {entry['dtype']} {tuple(entry['shape'])}, a dtype nr "
                            f"arrays cannot hold (they load {', '.join(_FROM_CODE)})")
        if dtype.numpy is None:
            raise TypeError(f"load: {name} holds {key!r} as {entry['dtype']} {tuple(entry['shape'])}, which needs "
                            "ml_dtypes (pip install ml_dtypes)")
        host = np.frombuffer(entry["data"], dtype=dtype.numpy.newbyteorder("<")).reshape(entry["shape"])
        raw[key] = host.astype(dtype.numpy)  # native order, writable
    place = _placer(map_location)
    if PICKLE in raw:
        if weights_only:
            raise pickle.UnpicklingError(f"Weights only load failed: {name} holds a pickled "
                                         f"{header_meta.get(PICKLED, 'object')}, which weights_only=True (the "
                                         f"default) does not run. {UNSAFE}")
        return _Unpickler(io.BytesIO(raw.pop(PICKLE).tobytes()), raw, place).load()
    if TREE in header_meta:
        return _decode(json.loads(header_meta[TREE]), raw, place)
    return {key: place(value, None) for key, value in raw.items()}


def _read(f) -> tuple[str, bytes]:
    if hasattr(f, "read"):
        return "the file object", f.read()
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return repr(path), fh.read()


def _metadata(payload: bytes) -> dict:
    n = int.from_bytes(payload[:8], "little")
    return json.loads(payload[8:8 + n]).get("__metadata__") or {}


def _placer(map_location):
    """(host array, saved device string or None) -> nr array, per PyTorch's map_location forms."""
    if map_location is None:
        return lambda host, saved: nr.asarray(host, device=saved)
    if isinstance(map_location, (str, nr.Device)):
        return lambda host, saved: nr.asarray(host, device=map_location)
    if isinstance(map_location, dict):
        return lambda host, saved: nr.asarray(host, device=map_location.get(saved or "cpu", saved))
    if callable(map_location):
        def call(host, saved):
            out = map_location(nr.asarray(host, device="cpu"), saved or "cpu")
            if not isinstance(out, Tensor):
                raise TypeError(f"load: map_location returned {type(out).__name__}, not an nr array")
            return out
        return call
    raise TypeError(f"load: map_location must be None, a device, a dict or a callable, got {map_location!r}")


def _decode(node, raw: dict, place):
    if not isinstance(node, dict):
        return node
    if "t" in node:
        return place(raw[node["t"]], node.get("dev"))
    if "n" in node:
        return np.array(raw[node["n"]])
    if "l" in node:
        return [_decode(v, raw, place) for v in node["l"]]
    if "u" in node:
        return tuple(_decode(v, raw, place) for v in node["u"])
    return {k: _decode(v, raw, place) for k, v in node["d"]}


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, raw: dict, place):
        super().__init__(file)
        self.raw, self.place, self.made = raw, place, {}

    def persistent_load(self, pid):
        tag, key, is_param, requires_grad, saved = pid
        if tag != "nr.array":
            raise pickle.UnpicklingError(f"load: unknown persistent id {tag!r}")
        out = self.made.get(key)
        if out is None:
            out = self.place(self.raw[key], saved)
            out = Parameter(out, requires_grad) if is_param else out.requires_grad_(requires_grad)
            self.made[key] = out
        return out
