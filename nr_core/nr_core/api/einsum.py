"""``einsum`` (NumPy's and PyTorch's): Einstein summation as diagonals, sums and one batched ``matmul`` per pair of
operands, contracted left to right, so gradients and every backend come from those ops."""
from __future__ import annotations

import math

from .. import dtypes as _d
from ..array_object import Tensor
from ..shapes import broadcast_shapes
from ._checks import array, same_device
from .data_types import astype
from .linalg import diagonal
from .manipulation import broadcast_to, permute_dims, reshape
from .products import matmul
from .statistical import sum as _sum

__all__ = ["einsum"]

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def einsum(equation: str, /, *operands) -> Tensor:
    """``einsum("bij,bjk->bik", a, b)``; also ``einsum(eq, [a, b])``, implicit output (no ``->``) and ``...``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    for a in operands:
        array(a, "einsum")
    same_device(operands, "einsum")
    terms, output = _parse(equation, operands)
    dt = operands[0]._dtype
    for a in operands[1:]:
        dt = _d.promote_types(dt, a._dtype, "einsum")
    arrays = [a if a._dtype is dt else astype(a, dt) for a in operands]
    parts = [_diagonals(a, list(t)) for a, t in zip(arrays, terms)]
    x, labels = parts[0]
    for i in range(1, len(parts)):
        later = set(output).union(*(p[1] for p in parts[i + 1:]))
        x, labels = _contract(x, labels, *parts[i], later)
    x, labels = _sum_out(x, labels, set(output))
    return permute_dims(x, tuple(labels.index(c) for c in output)) if labels != output else x


def _parse(equation: str, operands) -> tuple[list[str], list[str]]:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    raw = lhs.split(",")
    if len(raw) != len(operands):
        raise ValueError(f"einsum: equation {equation!r} has {len(raw)} operand terms, got {len(operands)} operands")
    n_ell = 0
    for t, a in zip(raw, operands):
        if "..." in t:
            n_ell = max(n_ell, a.ndim - len(t.replace("...", "")))
    # ellipsis axes get labels outside A-Za-z, aligned from the right so they broadcast
    ell = [chr(0x100 + i) for i in range(n_ell)]
    terms = []
    for t, a in zip(raw, operands):
        letters = t.replace("...", "")
        bad = set(letters) - _LETTERS
        if bad or t.count("...") > 1 or "." in letters:
            raise ValueError(f"einsum: invalid term {t!r} in {equation!r} (letters a-zA-Z and one '...' allowed)")
        k = a.ndim - len(letters)
        if k < 0 or (k and "..." not in t):
            raise ValueError(f"einsum: term {t!r} names {len(letters)} axes, operand has shape {a.shape}")
        head, _, tail = t.partition("...")
        terms.append(head + "".join(ell[n_ell - k:]) + tail if "..." in t else t)
    counts = {c: sum(t.count(c) for t in terms) for c in set("".join(terms))}
    if arrow:
        if set(rhs.replace("...", "")) - _LETTERS or rhs.count("...") > 1:
            raise ValueError(f"einsum: invalid output term {rhs!r} in {equation!r}")
        head, _, tail = rhs.partition("...")
        output = list(head + ("".join(ell) if "..." in rhs else "") + tail)
        missing = [c for c in output if c not in counts]
        if missing or len(set(output)) != len(output):
            raise ValueError(f"einsum: output {rhs!r} names labels that no input has, or one label twice")
    else:  # implicit: the broadcast axes, then the labels seen once, in alphabetical order
        output = ell + sorted(c for c, n in counts.items() if n == 1 and c in _LETTERS)
    return terms, output


def _diagonals(x: Tensor, labels: list[str]) -> tuple[Tensor, list[str]]:
    """Take the diagonal of every label repeated within one term (``"ii->i"``)."""
    for c in list(dict.fromkeys(labels)):
        while labels.count(c) > 1:
            i = labels.index(c)
            j = labels.index(c, i + 1)
            rest = [k for k in range(len(labels)) if k not in (i, j)]
            x = diagonal(permute_dims(x, tuple(rest + [i, j])))
            labels = [labels[k] for k in rest] + [c]
    return x, labels


def _sum_out(x: Tensor, labels: list[str], keep: set) -> tuple[Tensor, list[str]]:
    drop = tuple(i for i, c in enumerate(labels) if c not in keep)
    if not drop:
        return x, labels
    return _sum(x, axis=drop), [c for c in labels if c in keep]


def _contract(a, la, b, lb, later: set):
    a, la = _sum_out(a, la, later | set(lb))
    b, lb = _sum_out(b, lb, later | set(la))
    batch = [c for c in la if c in lb and c in later]
    inner = [c for c in la if c in lb and c not in later]
    a_only = [c for c in la if c not in lb]
    b_only = [c for c in lb if c not in la]
    size = {}
    for c in batch + inner:
        size[c] = broadcast_shapes((a.shape[la.index(c)],), (b.shape[lb.index(c)],), op="einsum")[0]
    a = _arrange(a, la, batch + a_only + inner, size)
    b = _arrange(b, lb, batch + inner + b_only, size)
    nb = [size[c] for c in batch]
    na = [a.shape[len(batch) + i] for i in range(len(a_only))]
    nc = [b.shape[len(batch) + len(inner) + i] for i in range(len(b_only))]
    k = math.prod(size[c] for c in inner)
    out = matmul(reshape(a, (math.prod(nb), math.prod(na), k)), reshape(b, (math.prod(nb), k, math.prod(nc))))
    return reshape(out, tuple(nb + na + nc)), batch + a_only + b_only


def _arrange(x: Tensor, labels: list[str], order: list[str], size: dict) -> Tensor:
    x = permute_dims(x, tuple(labels.index(c) for c in order))
    target = tuple(size.get(c, n) for c, n in zip(order, x.shape))
    return x if target == x.shape else broadcast_to(x, target)
