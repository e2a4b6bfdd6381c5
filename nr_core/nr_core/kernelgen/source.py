"""Building blocks of every generated kernel: the ``Kernel`` record, parameter lists, index arithmetic."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dialect import Dialect

IDX = np.dtype(np.int64)


@dataclass(frozen=True)
class Kernel:
    """A generated kernel: source, entry name, argument dtypes (None for buffers) and the parameter list
    (kind, C type, name) a runtime needs to bind arguments."""

    source: str
    name: str
    arg_dtypes: tuple
    params: tuple
    uses_barrier: bool = False


class Params:
    """Collects a kernel's parameters and their dtypes."""

    def __init__(self, d: Dialect) -> None:
        self.d, self.params, self.dtypes = d, [], []

    def ptr(self, kind: str, dt, name: str) -> None:
        self.params.append((kind, self.d.ctype(dt), name))
        self.dtypes.append(None)

    def arg(self, dt, *names: str) -> None:
        dt = np.dtype(dt)
        for nm in names:
            self.params.append(("arg", self.d.ctype(dt), nm))
            self.dtypes.append(np.dtype(np.uint8) if dt.kind == "b" else dt)

    def strided(self, prefix: str, nd: int) -> None:
        """An operand's offset and ``nd`` strides, as ``long`` args."""
        self.arg(IDX, f"{prefix}_off", *(f"{prefix}_s{i}" for i in range(nd)))

    def dims(self, prefix: str, nd: int) -> None:
        self.arg(IDX, *(f"{prefix}{i}" for i in range(nd)))


def coords(var: str, dims: str, nd: int, out: str = "k") -> str:
    """C lines splitting linear index ``var`` into coordinates ``out0..`` over extents ``dims0..``."""
    if nd == 0:
        return ""
    if nd == 1:
        return f"    long {out}0 = {var};\n"
    lines = [f"    long {out}_r = {var};"]
    for i in range(nd - 1, 0, -1):
        lines.append(f"    long {out}{i} = {out}_r % {dims}{i}; {out}_r /= {dims}{i};")
    lines.append(f"    long {out}0 = {out}_r;")
    return "\n".join(lines) + "\n"


def offset(prefix: str, nd: int, k: str = "k") -> str:
    """C expression of an operand's element offset at coordinates ``k0..``."""
    return " + ".join([f"{prefix}_off"] + [f"{k}{i} * {prefix}_s{i}" for i in range(nd)])


def build(d: Dialect, p: Params, name: str, body: str, dtypes=(), helpers: str = "") -> Kernel:
    """Assemble one kernel: dialect header, helper functions, signature, body."""
    code = d.functions(helpers) + "\n" + d.signature(name, p.params) + "\n{\n" + body + "}\n"
    return Kernel(d.finish(dtypes, code), name, tuple(p.dtypes), tuple(p.params), d.barrier in body)
