"""Reading an ONNX file that may be hostile: parsed as data only (protobuf; no code in a model is ever run),
every tensor's declared size checked against the bytes that back it, external data read only from regular files
inside the model's folder (no absolute paths, no ``..``, no symlinks out of it)."""
from __future__ import annotations

import math
import os

import numpy as np

from ._deps import onnx


class OnnxImportError(ValueError):
    """The file is not a model nr can run; the message names the file and what is wrong (every op at once)."""


def read_model(path):
    """The ``ModelProto`` of ``path`` and a function that turns its tensors into checked NumPy arrays."""
    ox = onnx()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no ONNX file at {path!r}")
    with open(path, "rb") as fh:
        payload = fh.read()
    if not payload:
        raise OnnxImportError(f"load: {path!r} is empty")
    model = ox.ModelProto()
    try:
        model.ParseFromString(payload)
    except Exception as e:  # protobuf's DecodeError, and whatever a damaged varint makes of the rest
        raise OnnxImportError(f"load: {path!r} is not a valid ONNX model (a truncated or corrupt file?): "
                              f"{type(e).__name__}: {e}") from None
    if not model.HasField("graph") or not model.opset_import:
        raise OnnxImportError(f"load: {path!r} parses but holds no ONNX graph or opset (a truncated file or not "
                              f"an ONNX model)")
    folder = os.path.dirname(os.path.abspath(path))
    return model, lambda t: tensor_array(t, folder, path)


def tensor_array(t, folder: str | None, path: str = "<model>") -> np.ndarray:
    """The values of TensorProto ``t``, refusing declared sizes the data does not back."""
    ox = onnx()
    label = f"tensor {t.name!r} of {path!r}"
    if any(d < 0 for d in t.dims):
        raise OnnxImportError(f"load: {label} declares negative dims {list(t.dims)}")
    if t.HasField("segment"):
        raise OnnxImportError(f"load: {label} is a segment of a split tensor, which is not supported")
    try:
        np_dtype = ox.helper.tensor_dtype_to_np_dtype(t.data_type)
    except Exception:
        raise OnnxImportError(f"load: {label} has unknown element type {t.data_type}") from None
    if np_dtype.kind not in "biufc":
        raise OnnxImportError(f"load: {label} has element type {ox.TensorProto.DataType.Name(t.data_type)}, "
                              f"which nr arrays cannot hold")
    count = math.prod(t.dims)
    nbytes = count * np.dtype(np_dtype).itemsize
    if t.data_location == ox.TensorProto.EXTERNAL:
        raw = _external_bytes(t, folder, nbytes, label, path)
        return np.frombuffer(raw, dtype=np.dtype(np_dtype).newbyteorder("<")).astype(np_dtype).reshape(t.dims)
    if t.HasField("raw_data"):
        if len(t.raw_data) != nbytes:
            raise OnnxImportError(f"load: {label} declares shape {list(t.dims)} ({nbytes} bytes) but holds "
                                  f"{len(t.raw_data)} bytes")
    else:
        held = max(len(t.float_data), len(t.int32_data), len(t.int64_data), len(t.double_data),
                   len(t.uint64_data))
        per = 2 if np_dtype.kind == "c" else 1
        if held != count * per:
            raise OnnxImportError(f"load: {label} declares shape {list(t.dims)} ({count} values) but holds "
                                  f"{held // per}")
    return ox.numpy_helper.to_array(t)


def _external_bytes(t, folder, nbytes: int, label: str, path: str) -> bytes:
    info = {e.key: e.value for e in t.external_data}
    loc = info.get("location", "")
    if folder is None:
        raise OnnxImportError(f"load: {label} refers to external data {loc!r} but the model was not read from a "
                              "file")
    norm = loc.replace("\\", "/")
    if not loc or os.path.isabs(loc) or norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise OnnxImportError(f"load: {label} refers to external data at {loc!r}: only relative paths inside "
                              f"the model's folder {folder!r} are allowed")
    if ".." in norm.split("/"):
        raise OnnxImportError(f"load: {label} refers to external data at {loc!r}, outside the model's folder "
                              f"{folder!r} ('..' is refused)")
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(folder, norm))
    if os.path.commonpath([root, target]) != root:
        raise OnnxImportError(f"load: {label} refers to external data at {loc!r}, which resolves to {target!r} "
                              f"outside the model's folder {root!r} (a symlink out of it?)")
    if not os.path.isfile(target):
        raise OnnxImportError(f"load: {label} refers to external data file {target!r}, which does not exist or "
                              "is not a regular file")
    try:
        offset = int(info.get("offset", 0))
        length = int(info["length"]) if "length" in info else nbytes
    except ValueError:
        raise OnnxImportError(f"load: {label} has a non-integer offset or length in its external data") from None
    if offset < 0 or length < 0:
        raise OnnxImportError(f"load: {label} has a negative offset or length in its external data")
    if length != nbytes:
        raise OnnxImportError(f"load: {label} declares shape {list(t.dims)} ({nbytes} bytes) but its external "
                              f"data entry says {length} bytes")
    size = os.path.getsize(target)
    if offset + length > size:
        raise OnnxImportError(f"load: {label} declares {length} bytes at offset {offset} of {target!r}, which "
                              f"holds only {size} bytes")
    with open(target, "rb") as fh:
        fh.seek(offset)
        return fh.read(length)
