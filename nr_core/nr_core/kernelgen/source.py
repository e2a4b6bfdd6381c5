"""Building blocks of every generated kernel: the ``Kernel`` record, parameter lists, index arithmetic."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import exprs
from .dialect import Dialect, key

IDX = np.dtype(np.int64)


@dataclass(frozen=True)
class Kernel:
    """A generated kernel: source, entry name, argument dtypes (None for buffers) and the parameter list
    (kind, C type, name) a runtime needs to bind arguments; ``packed``: the scalars are one struct after the
    buffers (``scalar_block`` builds it)."""

    source: str
    name: str
    arg_dtypes: tuple
    params: tuple
    uses_barrier: bool = False
    packed: bool = False

    def scalar_block(self) -> np.dtype:
        """The NumPy structured dtype laid out as the kernel's scalar struct (C alignment, as MSL's)."""
        return np.dtype([(nm, dt) for (kind, _, nm), dt in zip(self.params, self.arg_dtypes) if kind == "arg"],
                        align=True)


def split_arguments(kern: Kernel, args: list) -> tuple[list, bytes]:
    """A packed kernel's launch arguments as (buffers in order, the scalar struct's bytes)."""
    block = np.zeros((), dtype=kern.scalar_block())
    bufs = []
    for (kind, _, nm), a in zip(kern.params, args):
        if kind == "arg":
            block[nm] = a
        else:
            bufs.append(a)
    return bufs, block.tobytes()


class Params:
    """Collects a kernel's parameters and their dtypes."""

    def __init__(self, d: Dialect) -> None:
        self.d, self.params, self.dtypes = d, [], []

    def ptr(self, kind: str, dt, name: str) -> None:
        self.params.append((kind, self.d.ctype(dt), name))
        self.dtypes.append(None)

    def arg(self, dt, *names: str) -> None:
        # 16-bit scalars arrive as float (rounded to their dtype on the host)
        dt = np.dtype(np.float32) if key(dt) in exprs.LOW_FLOATS else np.dtype(dt)
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
    decl, sig, prologue = d.signature(name, p.params)
    code = d.functions(helpers) + "\n" + decl + sig + "\n{\n" + prologue + body + "}\n"
    packed = d.pack_scalars and any(kind == "arg" for kind, _, _ in p.params)
    return Kernel(d.finish(dtypes, code), name, tuple(p.dtypes), tuple(p.params), d.barrier in body, packed)
