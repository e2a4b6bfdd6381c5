"""Collation: a list of samples (nested tuples/lists/dicts of arrays and numbers) into one batch of nr arrays."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import nr_core as nr
from nr_core import dtypes as _d
from nr_core.array_object import Tensor

from ._layout import Leaf, assign_offsets, fill, rebuild, view

# Python numbers collate to nr's default dtypes (float32 for floats, unlike torch's float64)
_PY_NUMBER_DTYPES = {np.dtype("float64"): np.dtype(_d.default_float.numpy),
                     np.dtype("complex128"): np.dtype(_d.default_complex.numpy),
                     np.dtype("int64"): np.dtype(_d.default_int.numpy), np.dtype("bool"): np.dtype("bool")}


def host_view(x: Tensor) -> np.ndarray:
    """A host numpy view of an nr array (a copy only when it lives on another device)."""
    if x._device.kind == "cpu":  # per-sample hot path: the buffer itself, skipping __array__'s checks
        return x._backend.to_host(x._data)
    return x.numpy()


def _nr_dtype_ok(dt: np.dtype, where: str) -> None:
    if dt.kind not in "biufc":
        raise TypeError(f"{where}: cannot batch arrays of dtype {dt}; only numeric and bool arrays")
    try:
        _d.from_numpy_dtype(dt)
    except TypeError as exc:
        raise TypeError(f"{where}: {exc}") from None


def _stack_leaf(batch: list, leaves: list[Leaf]) -> Leaf:
    arrays = [host_view(x) if isinstance(x, Tensor) else x for x in batch]
    shape, dt = arrays[0].shape, arrays[0].dtype
    for a in arrays:
        if a.shape != shape:
            raise ValueError(f"default_collate: samples in a batch must have the same shape to be stacked, got "
                             f"{shape} and {a.shape}; pad them (transforms.PadSequence) or pass a collate_fn")
        if a.dtype != dt:
            dt = np.result_type(dt, a.dtype)
    _nr_dtype_ok(dt, "default_collate")
    leaf = Leaf("nr", (len(arrays),) + shape, dt, arrays)
    leaves.append(leaf)
    return leaf


def _number_leaf(batch: list, leaves: list[Leaf]) -> Leaf:
    values = np.asarray(batch)
    if values.dtype.kind not in "biufc":
        raise TypeError(f"default_collate: a batch mixes numbers with other types ({type(batch[0]).__name__} first)")
    if not isinstance(batch[0], np.generic):
        values = values.astype(_PY_NUMBER_DTYPES.get(values.dtype, values.dtype), copy=False)
    _nr_dtype_ok(values.dtype, "default_collate")
    leaf = Leaf("nr", values.shape, values.dtype, values)
    leaves.append(leaf)
    return leaf


def collate_layout(batch: list, leaves: list[Leaf]):
    """The skeleton of ``default_collate(batch)``, appending its array leaves to ``leaves`` (no data copied yet)."""
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray)):
        return _stack_leaf(batch, leaves)
    if isinstance(elem, (bool, int, float, complex, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        return _number_leaf(batch, leaves)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: collate_layout([d[key] for d in batch], leaves) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(collate_layout(list(s), leaves) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        return [collate_layout(list(s), leaves) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain nr arrays, numpy arrays, numbers, strings, dicts or lists; "
                    f"found {type(elem).__module__}.{type(elem).__qualname__}")


def transfer_layout(obj, leaves: list[Leaf]):
    """The skeleton of any collated batch: nr and numpy arrays become leaves, other objects stay as they are."""
    if isinstance(obj, Tensor):
        host = host_view(obj)
        leaf = Leaf("nr", host.shape, host.dtype, host)
    elif isinstance(obj, np.ndarray) and obj.dtype.kind in "biufc":
        leaf = Leaf("np", obj.shape, obj.dtype, obj)
    elif isinstance(obj, dict):
        return {k: transfer_layout(v, leaves) for k, v in obj.items()}
    elif isinstance(obj, list):
        return [transfer_layout(v, leaves) for v in obj]
    elif isinstance(obj, tuple):
        items = [transfer_layout(v, leaves) for v in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    else:
        return obj
    leaves.append(leaf)
    return leaf


def to_arrays(skeleton, buf: np.ndarray):
    """Rebuild a batch from its skeleton and the buffer that holds its leaves."""
    def on_leaf(leaf: Leaf):
        v = view(buf, leaf)
        return nr.asarray(v, device="cpu") if leaf.kind == "nr" else v
    return rebuild(skeleton, on_leaf)


def realize(skeleton, leaves: list[Leaf]):
    """Copy the leaves' data into one host buffer and rebuild the batch from it."""
    buf = np.empty(assign_offsets(leaves), dtype=np.uint8)
    fill(buf, leaves)
    return to_arrays(skeleton, buf)


def default_collate(batch: list):
    """Stack a list of samples into a batch, recursing into tuples, lists, dicts and namedtuples.

    nr/numpy arrays are stacked along a new first axis; Python floats become float32 (nr's default float,
    where torch gives float64), ints int64, bools bool; numpy scalars keep their dtype; strings stay a list.
    Tuples come back as lists, as in torch. The batch is on the host ("cpu").
    """
    if not isinstance(batch, Sequence) or not len(batch):
        raise ValueError(f"default_collate: expects a non-empty list of samples, got {type(batch).__name__}")
    leaves: list[Leaf] = []
    skeleton = collate_layout(batch, leaves)
    return realize(skeleton, leaves)


def default_convert(data):
    """Used when automatic batching is off (``batch_size=None``): numpy arrays become nr arrays, recursively."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biufc":
        return nr.asarray(data, device="cpu")
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(v) for v in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(v) for v in data)
    return data
