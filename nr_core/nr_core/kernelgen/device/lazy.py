"""Elementwise fusion: elementwise kernels return ``LazyArray`` expression nodes; realising one compiles the
whole pending expression (``a*b+c``, a bias add and its activation, a cast) into ONE kernel.

A node is realised by any non-elementwise kernel, by ``to_host``, by a write to memory it reads, or when
its expression grows past ``MAX_NODES`` / ``MAX_LEAVES``.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from .. import exprs
from ..elementwise import elementwise
from .buffer import DeviceBuffer, Shaped, broadcast_strides, coalesce

MAX_NODES = 32   # instructions in one fused kernel
MAX_LEAVES = 12  # distinct input buffers of one fused kernel


class Const:
    """A Python scalar operand, passed to the kernel as an argument of ``dtype`` (no recompiles per value)."""

    __slots__ = ("value", "dtype")
    shape = ()

    def __init__(self, value, dtype: np.dtype) -> None:
        self.value, self.dtype = (int(bool(value)) if dtype.kind == "b" else value), dtype


class LazyArray(Shaped):
    """A pending elementwise expression with the interface the frontend needs (``shape``, ``dtype``)."""

    __slots__ = ("op", "args", "shape", "dtype", "rt", "buf", "nodes", "leaves", "parents", "__weakref__")

    def __init__(self, op: str, args: tuple, dtype: np.dtype, shape: tuple, rt) -> None:
        self.op, self.args, self.dtype, self.shape, self.rt = op, args, dtype, shape, rt
        self.buf: DeviceBuffer | None = None
        self.parents: weakref.WeakSet | None = None
        nodes, leaves = 1, 0
        for a in args:
            if type(a) is LazyArray:
                nodes += a.nodes
                leaves += a.leaves
                if a.parents is None:
                    a.parents = weakref.WeakSet()
                a.parents.add(self)
            elif type(a) is DeviceBuffer:
                leaves += 1
                a.storage.add_reader(self)
        self.nodes, self.leaves = nodes, leaves

    def realize(self) -> DeviceBuffer:
        if self.buf is None:
            out = DeviceBuffer.empty(self.rt, self.shape, self.dtype)
            run_into(self, out)
            self._realized(out)
        return self.buf

    def _realized(self, buf: DeviceBuffer) -> None:
        """Keep the result, drop the expression; pending parents now read ``buf``, so a later write to it
        (``x[...] = v`` on this array) runs them first."""
        self.buf, self.args = buf, ()
        if self.parents:
            for p in self.parents:
                if p.buf is None:
                    buf.storage.add_reader(p)
            self.parents = None

    def __repr__(self) -> str:
        return f"LazyArray({self.op}, shape={self.shape}, dtype={self.dtype}, realized={self.buf is not None})"


def realize(x) -> DeviceBuffer:
    """The concrete buffer of a kernel operand (DeviceBuffer or LazyArray)."""
    return x if type(x) is DeviceBuffer else x.realize()


def _shape_of(args) -> tuple:
    """The broadcast shape of the operands (ValueError when they do not broadcast: the fast path relies on it)."""
    shape = args[0].shape
    for a in args[1:]:
        s = a.shape
        if s != shape:
            n = max(len(s), len(shape))
            s1, s2 = (1,) * (n - len(s)) + s, (1,) * (n - len(shape)) + shape
            if any(x != y and x != 1 and y != 1 for x, y in zip(s1, s2)):
                raise ValueError(f"shapes {tuple(shape)} and {tuple(s)} cannot be broadcast together")
            shape = tuple(y if x == 1 else x for x, y in zip(s1, s2))
    return shape


def node(op: str, args: tuple, dtype: np.dtype, rt) -> LazyArray:
    """A new fused node; operands that would be recomputed for broadcast copies, or that make the
    expression too big, are realised first."""
    shape = _shape_of(args)
    size = math.prod(shape)
    fixed = []
    for a in args:
        if type(a) is LazyArray:
            if a.buf is not None:
                a = a.buf
            elif a.size != size:
                a = a.realize()
        fixed.append(a)
    n_nodes = 1 + sum(a.nodes for a in fixed if type(a) is LazyArray)
    n_leaves = sum(a.leaves if type(a) is LazyArray else type(a) is DeviceBuffer for a in fixed)
    if n_nodes > MAX_NODES or n_leaves > MAX_LEAVES:
        fixed = [a.realize() if type(a) is LazyArray else a for a in fixed]
    return LazyArray(op, tuple(fixed), dtype, shape, rt)


# ---- compiling and running one fused expression ---------------------------------------------------------
class _Program:
    """The instruction list of one expression DAG, each node once (shared sub-expressions are computed once)."""

    def __init__(self) -> None:
        self.leaves: list[DeviceBuffer] = []
        self.leaf_ids: dict[int, int] = {}
        self.consts: list[Const] = []
        self.code: list[tuple] = []
        self.nodes: list[LazyArray] = []
        self.done: dict[int, str] = {}

    def ref(self, a) -> str:
        t = type(a)
        if t is LazyArray:
            if a.buf is not None:
                return self.ref(a.buf)
            got = self.done.get(id(a))
            if got is None:
                refs = tuple(self.ref(x) for x in a.args)
                operand = a.args[1] if a.op == "where" else a.args[0]
                self.code.append((a.op, operand.dtype.str, a.dtype.str, refs))
                self.nodes.append(a)
                got = self.done[id(a)] = f"t{len(self.code) - 1}"
            return got
        if t is DeviceBuffer:
            i = self.leaf_ids.get(id(a))
            if i is None:
                i = self.leaf_ids[id(a)] = len(self.leaves)
                self.leaves.append(a)
            return f"i{i}"
        self.consts.append(a)
        return f"c{len(self.consts) - 1}"


def _writes_overlap(out: DeviceBuffer, leaves: list[DeviceBuffer]) -> bool:
    """Would writing ``out`` while reading ``leaves`` race? Reading the very element being written is safe."""
    for leaf in leaves:
        if leaf.storage is out.storage and not (leaf.offset == out.offset and leaf.shape == out.shape
                                                and leaf.strides == out.strides):
            return True
    return False


def flush_readers(out: DeviceBuffer, keep: set) -> None:
    """Run the pending expressions (other than ``keep``) that read ``out``'s memory, before it changes."""
    readers = out.storage.readers
    if readers:
        for r in list(readers):
            if id(r) not in keep and r.buf is None:
                r.realize()


def run_into(expr, out: DeviceBuffer) -> None:
    """Evaluate ``expr`` (LazyArray, DeviceBuffer or Const), broadcast and cast to ``out``'s dtype, into ``out``."""
    if type(expr) is not LazyArray or expr.buf is not None:
        src = expr.buf if type(expr) is LazyArray else expr
        op = "astype" if src.dtype != out.dtype else "positive"
        expr = LazyArray(op, (src,), out.dtype, out.shape, out.rt)
    elif expr.dtype != out.dtype:
        expr = LazyArray("astype", (expr,), out.dtype, expr.shape, out.rt)
    prog = _Program()
    prog.ref(expr)
    flush_readers(out, {id(n) for n in prog.nodes})
    if _writes_overlap(out, prog.leaves):
        tmp = DeviceBuffer.empty(out.rt, expr.shape, out.dtype)
        run_into(expr, tmp)
        run_into(tmp, out)
        return
    shape = out.shape
    n = math.prod(shape)
    if n:
        dims, strides = coalesce(shape, [out.strides] + [broadcast_strides(b, shape) for b in prog.leaves])
        nd = len(dims)
        flat = [nd == 1 and s[0] == 1 for s in strides]
        k = elementwise(out.rt.dialect, tuple((b.dtype.str, f) for b, f in zip(prog.leaves, flat[1:])),
                                tuple(c.dtype.str for c in prog.consts), tuple(prog.code),
                                (out.dtype.str, flat[0]), nd)
        rt = out.rt
        args = [out.storage.buf, out.offset, *strides[0]]
        for b, s in zip(prog.leaves, strides[1:]):
            args += [b.storage.buf, b.offset, *s]
        args += [_const_value(c) for c in prog.consts]
        args += [n, *dims]
        rt.run_1d(k, n, args)


def _const_value(c: Const):
    """A scalar as the kernel receives it: 16-bit floats rounded to their dtype here, passed as float."""
    if c.dtype.str in exprs.LOW_FLOATS:
        return float(np.asarray(c.value).astype(c.dtype).astype(np.float32))
    return c.value


def elementwise_fn(op: str, nin: int, bool_result: bool, on_complex):
    """The kernel of elementwise ``op``: operands are buffers, lazy nodes or Python scalars; returns a node.
    Complex operands go to ``on_complex`` (the generated languages have no complex math)."""

    def kernel(*args):
        ref = next(a for a in args if type(a) is DeviceBuffer or type(a) is LazyArray)
        dt = args[1].dtype if op == "where" else ref.dtype
        if dt.kind == "c":
            return on_complex(*args)
        if exprs.template(op, nin, dt) is None:
            raise TypeError(f"{op}: no {ref.rt.dialect.name} kernel for dtype {dt}")
        ops = tuple(a if type(a) is DeviceBuffer or type(a) is LazyArray else Const(a, dt) for a in args)
        return node(op, ops, np.dtype(np.bool_) if bool_result else dt, ref.rt)

    kernel.__name__ = op
    return kernel


def cast(x, dtype: np.dtype):
    """astype as a fused node (a cast after arithmetic costs no extra kernel)."""
    return node("astype", (x,), np.dtype(dtype), x.rt)


def full(rt, shape: tuple, value, dtype: np.dtype) -> LazyArray:
    """A constant array as a node, so ``zeros(...) + x`` or ``full * y`` fuse."""
    dt = np.dtype(dtype)
    return LazyArray("positive", (Const(value, dt),), dt, tuple(shape), rt)


def copy(x) -> DeviceBuffer:
    """A fresh C-contiguous copy (realised)."""
    src = realize(x)
    out = DeviceBuffer.empty(src.rt, src.shape, src.dtype)
    run_into(src, out)
    return out


def contiguous(x) -> DeviceBuffer:
    """``x`` realised and C-contiguous (itself when it already is)."""
    b = realize(x)
    return b if b.is_contiguous else copy(b)

