"""Nested training state (dicts, lists, tuples, numbers, strings, nr and NumPy arrays) to safetensors arrays plus
one JSON text, and back, without pickle. Floats go through ``repr``, so every value comes back bit for bit."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

import nr_core as nr

# a dict with one of these keys stands for a value JSON has no form for
_ARRAY, _NDARRAY, _SCALAR, _TUPLE, _ITEMS = "__nr_array__", "__ndarray__", "__npscalar__", "__tuple__", "__items__"
_MARKERS = {_ARRAY, _NDARRAY, _SCALAR, _TUPLE, _ITEMS}


def encode(state: Any, where: str = "checkpoint") -> tuple[dict[str, Any], str]:
    """``(arrays, text)``: every array of ``state`` under a path-like key, and the rest as JSON that names them."""
    arrays: dict[str, Any] = {}

    def keep(array, path: str) -> str:
        key = f"{len(arrays)}:{path}"  # the counter keeps keys unique even where paths coincide ("a/b" and a -> b)
        arrays[key] = array
        return key

    def walk(value, path: str):
        if isinstance(value, nr.Tensor):
            return {_ARRAY: keep(value.detach(), path)}
        if isinstance(value, np.ndarray):
            return {_NDARRAY: keep(nr.asarray(np.ascontiguousarray(value), device="cpu"), path)}
        if isinstance(value, np.generic):
            return {_SCALAR: keep(nr.asarray(np.asarray(value), device="cpu"), path)}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, tuple):
            return {_TUPLE: [walk(v, f"{path}/{i}") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [walk(v, f"{path}/{i}") for i, v in enumerate(value)]
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in value):
                return {k: walk(v, f"{path}/{k}") for k, v in value.items()}
            # int keys (optimizer state) or marker-like names: keep keys' types through a list of pairs
            return {_ITEMS: [[walk(k, f"{path}/key{i}"), walk(v, f"{path}/{i}")]
                             for i, (k, v) in enumerate(value.items())]}
        raise TypeError(f"{where}: cannot store a {type(value).__name__} at {path or '/'}; a state holds dicts, "
                        "lists, tuples, numbers, strings, None and arrays")

    return arrays, json.dumps(walk(state, ""))


def decode(arrays: dict[str, Any], text: str, device=None) -> Any:
    """The inverse of ``encode``: nr arrays go to ``device``, NumPy arrays and scalars come back as NumPy."""

    def walk(value):
        if isinstance(value, list):
            return [walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1 and next(iter(value)) in _MARKERS:
            (marker, inner), = value.items()
            if marker == _TUPLE:
                return tuple(walk(v) for v in inner)
            if marker == _ITEMS:
                return {walk(k): walk(v) for k, v in inner}
            array = arrays[inner]
            if marker == _ARRAY:
                return array if device is None else array.to_device(device)
            host = array.numpy()
            return host if marker == _NDARRAY else host[()]
        return {k: walk(v) for k, v in value.items()}

    return walk(json.loads(text))
