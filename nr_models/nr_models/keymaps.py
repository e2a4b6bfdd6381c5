"""Key-name tables: how a checkpoint written by another library names each entry of one of our models.

A ``KeyMap`` renames keys by regular expressions (first match wins; the replacement is a ``re`` template or a
function of the match), fuses groups of entries into one (a
HuggingFace query/key/value triple into torch's packed ``in_proj_weight``), and names keys that carry nothing
for us (old checkpoints' saved attention-mask buffers). Keys that no rule touches keep their names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Fuse:
    """Entries matching ``pattern`` whose group ``part`` takes each value of ``order`` are concatenated along
    axis 0, in that order, into ``target`` (a ``re`` template over the same match)."""

    pattern: str
    target: str
    part: int
    order: tuple[str, ...]


@dataclass(frozen=True)
class KeyMap:
    renames: tuple[tuple[str, str], ...] = ()
    fuses: tuple[Fuse, ...] = ()
    ignored: tuple[str, ...] = ()
    # HuggingFace's base_model_prefix: a head model's backbone keys start with it, a bare model's do not
    base_prefix: str | None = None
    _compiled: dict = field(default_factory=dict, compare=False, repr=False)

    def _re(self, pattern: str) -> re.Pattern:
        c = self._compiled.get(pattern)
        if c is None:
            c = self._compiled[pattern] = re.compile(pattern)
        return c

    def rename(self, key: str) -> str:
        for pattern, template in self.renames:
            m = self._re(pattern).fullmatch(key)
            if m is not None:
                return template(m) if callable(template) else m.expand(template)
        return key

    def apply(self, state: dict[str, np.ndarray], model_keys: set[str]) -> tuple[dict, list[str]]:
        """(state under the model's names, checkpoint keys a fusion lacked) for a checkpoint ``state``."""
        if self.base_prefix is not None:
            state = _align_prefix(state, self.base_prefix, model_keys)
        out: dict[str, np.ndarray] = {}
        groups: dict[str, dict[str, tuple[re.Match, np.ndarray]]] = {}
        owner: dict[str, Fuse] = {}
        for key, value in state.items():
            if any(self._re(p).fullmatch(key) for p in self.ignored):
                continue
            for fuse in self.fuses:
                m = self._re(fuse.pattern).fullmatch(key)
                if m is not None and m.group(fuse.part) in fuse.order:
                    target = m.expand(fuse.target)
                    groups.setdefault(target, {})[m.group(fuse.part)] = (m, value)
                    owner[target] = fuse
                    break
            else:
                out[self.rename(key)] = value
        lacking: list[str] = []
        for target, parts in groups.items():
            fuse = owner[target]
            if len(parts) < len(fuse.order):
                m = next(iter(parts.values()))[0]
                lo, hi = m.span(fuse.part)
                lacking += [m.string[:lo] + p + m.string[hi:] for p in fuse.order if p not in parts]
                continue
            out[target] = np.concatenate([parts[p][1] for p in fuse.order], axis=0)
        return out, lacking


def _align_prefix(state: dict, prefix: str, model_keys: set[str]) -> dict:
    """HuggingFace's rule: add the base-model prefix for a head model given a bare checkpoint; strip it for a
    bare model given a head checkpoint."""
    dotted = prefix + "."
    model_has = any(k.startswith(dotted) for k in model_keys)
    ckpt_has = any(k.startswith(dotted) for k in state)
    if model_has and not ckpt_has:
        return {dotted + k: v for k, v in state.items()}
    if ckpt_has and not model_has:
        return {(k[len(dotted):] if k.startswith(dotted) else k): v for k, v in state.items()}
    return state


IDENTITY = KeyMap()
