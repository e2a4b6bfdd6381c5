"""Reading HuggingFace config dicts (``model.config.to_dict()`` or a ``config.json``): defaults, checks, and the
activation functions named there."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping

import nr_core as nr
import nr_nn.functional as F


def _quick_gelu(x):
    return x * nr.sigmoid(x * 1.702)


# HuggingFace's ACT2FN names; "gelu_new", "gelu_fast" and "gelu_pytorch_tanh" are all the tanh approximation
ACTIVATIONS = {
    "gelu": F.gelu,
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_fast": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "quick_gelu": _quick_gelu,
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "tanh": nr.tanh,
}


def activation(name: str, where: str):
    fn = ACTIVATIONS.get(name)
    if fn is None:
        raise ValueError(f"{where}: activation {name!r} is not supported; known: {sorted(ACTIVATIONS)}")
    return fn


class HFConfig:
    """Attribute access to a HuggingFace config dict with per-model defaults (those of transformers' classes)."""

    def __init__(self, config, defaults: Mapping, where: str) -> None:
        if isinstance(config, (str, os.PathLike)):
            with open(config, encoding="utf-8") as f:
                config = json.load(f)
        elif hasattr(config, "to_dict"):
            config = config.to_dict()
        if not isinstance(config, Mapping):
            raise TypeError(f"{where}: config must be a HuggingFace config dict (hf_model.config.to_dict()) or a "
                            f"path to config.json, got {type(config).__name__}")
        self._where = where
        self._values = {**defaults, **{k: v for k, v in config.items() if v is not None or k not in defaults}}

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"{self.__dict__.get('_where', 'config')}: config has no {name!r}") from None

    def get(self, name: str, default=None):
        return self._values.get(name, default)

    def positive(self, *names: str) -> None:
        for name in names:
            v = self._values.get(name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{self._where}: config[{name!r}] must be a positive int, got {v!r}")

    def divisible(self, name: str, by: str) -> None:
        if self._values[name] % self._values[by]:
            raise ValueError(f"{self._where}: {name} ({self._values[name]}) must be divisible by {by} "
                             f"({self._values[by]})")

    @property
    def num_labels(self) -> int:
        id2label = self._values.get("id2label")
        return len(id2label) if id2label else int(self._values.get("num_labels", 2))

    def to_dict(self) -> dict:
        return dict(self._values)


def mask_value(dtype) -> float:
    """HuggingFace's additive mask value, the most negative finite number of ``dtype`` (not -inf, so that a
    fully masked row stays finite)."""
    return float(nr.finfo(dtype).min)
