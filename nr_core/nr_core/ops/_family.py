"""The shape of an op family file: a list of entries (op, decomposition, samples, kernels) and the helpers that
fill it, so each family file reads as its table, then its decompositions, then its samples."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..optable import OpDef


@dataclass
class Entry:
    """What one op brings to ``optable.register``."""

    op: OpDef
    decomposition: Callable | None = None
    samples: Callable | None = None
    kernels: dict = field(default_factory=dict)
    amp: str | None = None  # autocast policy: "low", "fp32", "promote" (None: unchanged)


class Family:
    """The entries of one op family, in table order.

    ``family.add(opdef)`` declares an op; ``@family.decomposition(name)`` and ``@family.samples(*names)`` attach
    the function below them to ops declared above (so the table comes first and stays readable).
    """

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def add(self, opdef: OpDef, **extra) -> OpDef:
        if opdef.name in self.entries:
            raise ValueError(f"op {opdef.name!r} declared twice in its family")
        self.entries[opdef.name] = Entry(opdef, **extra)
        return opdef

    def amp(self, policy: str, *names: str) -> None:
        """Declare the autocast policy of ops declared above (kept beside the table, so the lists are visible)."""
        for n in names:
            self.entries[n].amp = policy

    def names(self, where: Callable[[OpDef], bool] = lambda op: True) -> list[str]:
        return [n for n, e in self.entries.items() if where(e.op)]

    def _attach(self, attr: str, names):
        def deco(fn):
            for n in names:
                entry = self.entries[n]
                if getattr(entry, attr) is not None:
                    raise ValueError(f"op {n!r} has two {attr} functions")
                setattr(entry, attr, fn)
            return fn
        return deco

    def decomposition(self, *names: str):
        return self._attach("decomposition", names)

    def samples(self, *names: str):
        return self._attach("samples", names)

    def register(self, register) -> None:
        """Hand every entry to ``register`` (the ``nr_register_ops`` callback)."""
        for e in self.entries.values():
            register(e.op, decomposition=e.decomposition, samples=e.samples, kernels=e.kernels or None, amp=e.amp)
