"""``ReduceOp``: how ``all_reduce`` and friends combine the ranks' values."""
from __future__ import annotations

import enum


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self) -> str:
        return f"ReduceOp.{self.name}"


def check_op(op, dtype, what: str) -> ReduceOp:
    """``op`` as a ReduceOp, refused before any communication when ``dtype`` cannot be reduced with it."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX), got {op!r}")
    kind = dtype.kind
    if kind == "bool" and op not in (ReduceOp.MIN, ReduceOp.MAX):
        raise TypeError(f"{what}: {op!r} on a bool array is not defined; use MIN (all) or MAX (any), or cast first")
    if kind == "complex" and op in (ReduceOp.MIN, ReduceOp.MAX):
        raise TypeError(f"{what}: {op!r} on a complex array ({dtype.name}) is not defined; complex numbers are "
                        "not ordered")
    if kind in ("int", "uint") and op is ReduceOp.AVG:
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating-point array, got {dtype.name}; use SUM and divide")
    return op
