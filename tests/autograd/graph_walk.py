"""Test helper: the op names recorded in the graph behind some arrays."""
from __future__ import annotations

from nr_core.array_object import Tensor


def recorded_ops(*outputs) -> set[str]:
    seen, ops = set(), set()
    stack = [o._grad_fn for o in outputs if isinstance(o, Tensor) and o._grad_fn is not None]
    while stack:
        n = stack.pop()
        if id(n) in seen or isinstance(n, Tensor):
            continue
        seen.add(id(n))
        ops.add(n.op)
        if n.op == "output":
            ops.add(n.edges[0].op)
        stack.extend(e for e in n.edges if e is not None)
    return ops
