"""Where each of PyTorch's submodules lives among the neurarust distributions, and the import hook that makes
``import neurarust.optim.lr_scheduler`` give ``nr_optim.lr_scheduler`` itself (one module object, never a copy).

A submodule whose distribution is not installed raises ``ModuleNotFoundError`` naming the ``pip install`` that
adds it. Wiring a new distribution in is one ``SUBMODULES`` entry.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from typing import NamedTuple

PACKAGE = "neurarust"


class Source(NamedTuple):
    module: str  # the module that ``neurarust.<name>`` is
    distribution: str  # the distribution that provides it
    install: str  # the pip argument that installs it


# PyTorch's name under neurarust -> the module that is it; longer names win (``nn.functional`` over ``nn``)
SUBMODULES: dict[str, Source] = {
    "nn.functional": Source("nr_nn.functional", "nr-nn", "nr-nn"),
    "nn.init": Source("nr_nn.init", "nr-nn", "nr-nn"),
    "nn.utils": Source("nr_nn.utils", "nr-nn", "nr-nn"),
    "nn.parallel": Source("nr_nn.parallel", "nr-nn", "nr-nn"),
    "autograd": Source("nr_autograd", "nr-autograd", "nr-autograd"),
    "optim": Source("nr_optim", "nr-optim", "nr-optim"),
    "utils.data": Source("nr_data", "nr-data", "nr-data"),
    "distributed": Source("nr_distributed", "nr-distributed", '"neurarust[distributed]"'),
    "train": Source("nr_train", "nr-train", "nr-train"),
    "models": Source("nr_models", "nr-models", "nr-models"),
    "amp": Source("nr_core.amp", "nr-core", "--upgrade nr-core"),
    "onnx": Source("nr_nn.onnx", "nr-nn", '"neurarust[onnx]"'),
}

# the top-level names imported when ``neurarust`` is first touched there, not at ``import neurarust``
LAZY = ("distributed", "train", "models", "amp", "onnx")


def source_of(fullname: str) -> tuple[str, Source] | None:
    """(module to import, its entry) for ``neurarust.<name>[.rest]`` when a table entry covers it."""
    if not fullname.startswith(PACKAGE + "."):
        return None
    name = fullname[len(PACKAGE) + 1:]
    for key in sorted(SUBMODULES, key=len, reverse=True):
        if name == key or name.startswith(key + "."):
            src = SUBMODULES[key]
            return src.module + name[len(key):], src
    return None


def load(fullname: str):
    """Import the module that ``fullname`` names, with an install hint when its distribution is missing."""
    found = source_of(fullname)
    if found is None:
        raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
    target, src = found
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if src.module == missing or src.module.startswith(missing + "."):  # the entry's own module is absent
            raise ModuleNotFoundError(
                f"{fullname} is {target} (from the {src.distribution} distribution), which this installation does "
                f"not have: pip install {src.install}", name=fullname) from exc
        if target == missing:  # a name below an installed entry that does not exist
            raise ModuleNotFoundError(f"No module named {fullname!r} (there is no {target})", name=fullname) from None
        raise  # something the target itself imports is missing: its own error says what


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        # the import system returns what sys.modules holds after this: the distribution's module itself
        sys.modules[module.__name__] = load(module.__name__)


class AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves the ``SUBMODULES`` names (and everything below them) to the distributions' modules."""

    _loader = _AliasLoader()

    def find_spec(self, fullname, path=None, target=None):
        if source_of(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self._loader)


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once): an alias must win over a path search of a package it
    aliases, which would load a second copy of the distribution's files."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
