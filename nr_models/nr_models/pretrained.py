"""``load_pretrained``: weights from safetensors files (never pickle) or state dicts, renamed through the model's
key map for the checkpoint's source, checked all at once, then loaded."""
from __future__ import annotations

import json
import os
from typing import NamedTuple

import numpy as np

import nr_nn as nn
from nr_core.array_object import Tensor

from .keymaps import IDENTITY, KeyMap

SOURCES = ("torchvision", "huggingface", "nr")
_WRAPPERS = ("module.", "_orig_mod.")  # DataParallel/DistributedDataParallel, torch.compile


class LoadResult(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]
    mismatched_keys: list[tuple[str, tuple, tuple]]  # (key, checkpoint shape, model shape)


class PretrainedMismatchError(RuntimeError):
    """Every missing, unexpected and shape-mismatched key of one load, in one error."""

    def __init__(self, message: str, result: LoadResult) -> None:
        super().__init__(message)
        self.result = result


def _refuse_non_safetensors(path: str) -> None:
    with open(path, "rb") as f:
        head = f.read(9)
    if head[:4] == b"PK\x03\x04" or head[:1] == b"\x80":
        raise ValueError(f"load_pretrained: {path!r} is a pickle file (torch.save format); only safetensors is read, "
                         "since unpickling can run arbitrary code. Convert it once where you trust it: "
                         "safetensors.torch.save_file(torch.load(path), 'model.safetensors')")
    if len(head) < 9 or head[8:9] != b"{":
        raise ValueError(f"load_pretrained: {path!r} is not a safetensors file (it does not start with an 8-byte "
                         "header length and a JSON header)")


def read_safetensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file, or of a directory written by ``save_pretrained`` (``model.safetensors``
    or the shards listed in ``model.safetensors.index.json``), as host numpy arrays."""
    from safetensors.numpy import load_file
    path = os.fspath(path)
    if os.path.isdir(path):
        single, index = os.path.join(path, "model.safetensors"), os.path.join(path, "model.safetensors.index.json")
        if os.path.exists(single):
            path = single
        elif os.path.exists(index):
            with open(index, encoding="utf-8") as f:
                shards = sorted(set(json.load(f)["weight_map"].values()))
            out: dict[str, np.ndarray] = {}
            for shard in shards:
                out.update(read_safetensors(os.path.join(path, shard)))
            return out
        else:
            raise FileNotFoundError(f"load_pretrained: directory {path!r} has no model.safetensors nor "
                                    f"model.safetensors.index.json (found: {sorted(os.listdir(path))[:10]})")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_pretrained: no such file {path!r}")
    _refuse_non_safetensors(path)
    try:
        return load_file(path)
    except Exception as exc:  # safetensors' own error types: truncated file, bad header, unsupported dtype
        raise ValueError(f"load_pretrained: cannot read {path!r} as safetensors: {exc}") from exc


def _host(key: str, value) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.detach().numpy()
    out = np.asarray(value)  # numpy arrays, and torch CPU tensors through __array__
    if out.dtype == object:
        raise TypeError(f"load_pretrained: value for {key!r} is not an array ({type(value).__name__})")
    return out


def _unwrap(key: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        for prefix in _WRAPPERS:
            if key.startswith(prefix):
                key, stripped = key[len(prefix):], True
    return key


def _state(weights) -> dict[str, np.ndarray]:
    if isinstance(weights, (str, os.PathLike)):
        raw = read_safetensors(weights)
    elif hasattr(weights, "items"):
        raw = {k: _host(k, v) for k, v in weights.items()}
    else:
        raise TypeError(f"load_pretrained: weights must be a path to a safetensors file or directory, or a state "
                        f"dict, got {type(weights).__name__}")
    out: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise TypeError(f"load_pretrained: state-dict keys must be strings, got {key!r}")
        name = _unwrap(key)
        if name in out:
            raise ValueError(f"load_pretrained: {key!r} and another key both name {name!r} once 'module.' "
                             "prefixes are removed")
        out[name] = value
    return out


def _fill_tied(mapped: dict, expected: dict) -> None:
    """Entries that share one array in the model (GPT-2's lm_head and wte) need only one in the checkpoint."""
    by_id: dict[int, list[str]] = {}
    for key, t in expected.items():
        by_id.setdefault(id(t), []).append(key)
    for keys in by_id.values():
        present = [k for k in keys if k in mapped]
        for k in keys:
            if present and k not in mapped:
                mapped[k] = mapped[present[0]]


def _match(keymap: KeyMap, state: dict, expected: dict) -> tuple[dict, LoadResult]:
    mapped, lacking = keymap.apply(state, set(expected))
    _fill_tied(mapped, expected)
    missing = [k for k in expected if k not in mapped] + lacking
    unexpected = [k for k in mapped if k not in expected]
    mismatched = [(k, tuple(mapped[k].shape), tuple(expected[k].shape)) for k in expected
                  if k in mapped and tuple(mapped[k].shape) != tuple(expected[k].shape)]
    return mapped, LoadResult(missing, unexpected, mismatched)


def _listing(keys, limit: int = 50) -> str:
    shown = ", ".join(repr(k) for k in keys[:limit])
    return shown + (f", ... ({len(keys) - limit} more)" if len(keys) > limit else "")


def _message(model, source: str, r: LoadResult, hint: str) -> str:
    lines = [f"load_pretrained({type(model).__name__}, source={source!r}): the checkpoint does not fit the model"]
    if r.missing_keys:
        lines.append(f"  missing keys ({len(r.missing_keys)}): {_listing(r.missing_keys)}")
    if r.unexpected_keys:
        lines.append(f"  unexpected keys ({len(r.unexpected_keys)}): {_listing(r.unexpected_keys)}")
    if r.mismatched_keys:
        shapes = [f"{k!r} checkpoint {a} vs model {b}" for k, a, b in r.mismatched_keys]
        lines.append(f"  shape mismatches ({len(shapes)}): " + "; ".join(shapes[:50]))
    if hint:
        lines.append("  hint: " + hint)
    return "\n".join(lines)


def _hint(model, source: str, state: dict, expected: dict, r: LoadResult) -> str:
    head = getattr(model, "head_path", None)
    if head and r.mismatched_keys and all(k.startswith(head + ".") for k, _, _ in r.mismatched_keys):
        return ("only the classification head differs (another number of classes): pass "
                "ignore_mismatched_sizes=True to keep a fresh head, or load into the original class count and call "
                "model.replace_head(n)")
    best, best_hits = None, len(expected) - len(r.missing_keys)
    for other, keymap in getattr(model, "key_maps", {}).items():
        if other != source:
            hits = len(expected) - len(_match(keymap, state, expected)[1].missing_keys)
            if hits > best_hits:
                best, best_hits = other, hits
    if best is not None:
        return f"the key names look like source={best!r} ({best_hits} of {len(expected)} model keys found that way)"
    return ""


def load_pretrained(model: nn.Module, weights, source: str = "nr", *, strict: bool = True,
                    ignore_mismatched_sizes: bool = False) -> LoadResult:
    """Load ``weights`` (a safetensors file or ``save_pretrained`` directory, or a state dict of nr, NumPy or
    torch arrays) into ``model``, renaming keys through its table for ``source`` ("torchvision", "huggingface"
    or "nr"). ``module.`` prefixes are removed first. Every missing, unexpected and shape-mismatched key is
    reported in one ``PretrainedMismatchError`` before anything is copied; ``strict=False`` tolerates missing
    and unexpected keys, ``ignore_mismatched_sizes=True`` leaves mismatched entries (a new head) as they are.
    Values are cast to the model's dtypes."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"load_pretrained: model must be an nr_nn.Module, got {type(model).__name__}")
    if source not in SOURCES:
        raise ValueError(f"load_pretrained: source must be one of {SOURCES}, got {source!r}")
    maps = getattr(model, "key_maps", {"nr": IDENTITY})
    if source not in maps:
        raise ValueError(f"load_pretrained: {type(model).__name__} has no key map for source {source!r}; it "
                         f"loads {sorted(maps)}")
    state = _state(weights)
    expected = model.state_dict(keep_vars=True)
    mapped, result = _match(maps[source], state, expected)
    bad = (strict and (result.missing_keys or result.unexpected_keys)) or (
        result.mismatched_keys and not ignore_mismatched_sizes)
    if bad:
        raise PretrainedMismatchError(_message(model, source, result, _hint(model, source, state, expected, result)),
                                      result)
    skip = {k for k, _, _ in result.mismatched_keys}
    ready = {}
    for key, value in mapped.items():
        if key in expected and key not in skip:
            want = expected[key].dtype.numpy
            if np.dtype(value.dtype).kind in "fc" and np.dtype(want).kind not in "fc":
                raise TypeError(f"load_pretrained: {key!r} is {value.dtype} in the checkpoint but "
                                f"{expected[key].dtype.name} in the model")
            ready[key] = np.require(value, dtype=want, requirements="C")  # keeps 0-d entries 0-d
    model.load_state_dict(ready, strict=False)
    return result
