"""Every form of kernel the generators emit, for one dialect: what a compile check of a new dialect walks.

``kernels(d)`` yields one kernel per generator, dtype and structural variant the device layer asks for
(elementwise ops of the expression table alone and fused, at 0-3 axes, strided and flat; reductions serial,
chunked and tree; scans; both matmul forms; gathers, scatters, searches, sorts, ramps, triangles, casts),
skipping dtypes the dialect lacks. ``translation_unit`` joins them into one source, each kernel in its own
namespace and renamed, so one compiler run checks them all.
"""
from __future__ import annotations

import re
from typing import Iterator

import numpy as np

from . import exprs, fill, gather, matmul, reduce, sort
from .dialect import Dialect
from .elementwise import elementwise
from .source import Kernel

_ALL = [np.dtype(t).str for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                                  np.uint64, np.float32, np.float64, np.complex64, np.complex128)]
# the 16-bit floats: only the elementwise generator computes in them and the moves copy their bits (the device
# layer hands reductions, matmul, sorts, ramps, eye and scatter-adds float32 operands)
_LOW = list(exprs.LOW_FLOATS)
_BOOL = np.dtype(np.bool_).str
_F32 = np.dtype(np.float32).str
_I64 = np.dtype(np.int64).str


def dtypes_of(d: Dialect, low: bool = False) -> list[str]:
    """The dtype strs ``d`` has (with ``low``, the 16-bit floats too)."""
    out = []
    for dt in _ALL + (_LOW if low else []):
        try:
            d.ctype(dt)
        except TypeError:
            continue
        out.append(dt)
    return out


def _ew(d: Dialect, op: str, nin: int, dt: str, nd: int = 1, flat: bool = True) -> Kernel:
    res = _BOOL if op in exprs.BOOL_RESULT else dt
    if op == "where":
        ins, refs, odt = ((_BOOL, flat), (dt, flat), (dt, flat)), ("i0", "i1", "i2"), dt
    else:
        ins, refs, odt = tuple((dt, flat) for _ in range(nin)), tuple(f"i{i}" for i in range(nin)), dt
    return elementwise(d, ins, (), ((op, odt, res, refs),), (res, flat), nd)


def _accepted(op: str, dts: list[str]) -> list[str]:
    """The dtypes among ``dts`` the op table lets reach ``op``'s kernel (complex goes to the host)."""
    from nr_core.optable import OPS
    accepts = {dt.numpy.str for dt in OPS[op].accepts if dt.numpy is not None} if op in OPS else set(dts)
    return [dt for dt in dts if dt in accepts and _kind(dt) != "c"]


def _elementwise(d: Dialect, dts: list[str]) -> Iterator[Kernel]:
    for nin, table in exprs.TABLES.items():
        for op in sorted(table):
            for dt in _accepted(op, dts):
                if exprs.template(op, nin, np.dtype(dt)) is not None:
                    yield _ew(d, op, nin, dt)
    for dt in dts:  # copies and casts between every pair (complex only to itself: complex is moved, not converted)
        for to in dts:
            if (_kind(dt) == "c" or _kind(to) == "c") and dt != to:
                continue
            yield elementwise(d, ((dt, True),), (), (("astype" if dt != to else "positive", dt, to, ("i0",)),),
                              (to, True), 1)
    for nd in (0, 2, 3):  # strided iteration spaces
        yield _ew(d, "add", 2, _F32, nd, flat=False)
    # a fused chain: scalar operand, shared sub-expression, cast, bool result, where
    code = (("multiply", _F32, _F32, ("i0", "c0")), ("add", _F32, _F32, ("t0", "i1")), ("tanh", _F32, _F32, ("t1",)),
            ("greater", _F32, _BOOL, ("t2", "t0")), ("where", _F32, _F32, ("t3", "t2", "t1")),
            ("astype", _F32, _I64, ("t4",)))
    yield elementwise(d, ((_F32, True), (_F32, False)), (_F32,), code, (_I64, True), 1)
    for low in (dt for dt in dts if dt in exprs.LOW_FLOATS):  # a 16-bit chain: scalar, rounding, bool, cast out
        code = (("multiply", low, low, ("i0", "c0")), ("exp", low, low, ("t0",)), ("less", low, _BOOL, ("t1", "i0")),
                ("where", low, low, ("t2", "t1", "t0")), ("astype", low, _F32, ("t3",)))
        yield elementwise(d, ((low, True),), (low,), code, (_F32, True), 1)


def _kind(dt: str) -> str:
    """NumPy's dtype kind, "f" for the 16-bit floats (``np.dtype`` of bfloat16's str is a void dtype)."""
    return "f" if dt in exprs.LOW_FLOATS else np.dtype(dt).kind


def _reductions(d: Dialect, dts: list[str]) -> Iterator[Kernel]:
    real = [dt for dt in dts if np.dtype(dt).kind != "c"]
    for op in ("sum", "prod", "max", "min", "all", "any", "argmax", "argmin"):
        for dt in real:
            if op in ("all", "any"):
                acc = out = _BOOL
            elif op in ("argmax", "argmin"):
                acc, out = dt, _I64
            else:
                acc = out = dt
            for local in (0, 64):
                yield reduce.reduction(d, op, dt, acc, out, 1, 1, local)
    yield reduce.reduction(d, "sum", _F32, _F32, _F32, 2, 2, 0)
    for dt in real:
        yield reduce.scan(d, dt, dt, 1, False)
    yield reduce.scan(d, _F32, _F32, 2, True)


def _matmuls(d: Dialect, dts: list[str]) -> Iterator[Kernel]:
    numeric = [dt for dt in dts if np.dtype(dt).kind in "iuf"]
    for dt in numeric:
        yield matmul.tiled(d, dt, 0, 16, 2)
        yield matmul.pack(d, dt, 4, 0)
        yield matmul.pack(d, dt, 16, 1)
        yield matmul.blocked(d, dt, 4, 16)
        yield matmul.naive(d, dt, 0)
    yield matmul.naive(d, _F32, 2)
    for tile, work in ((64, 8), (32, 4), (8, 1)):
        yield matmul.tiled(d, _F32, 1, tile, work)


def _data_movement(d: Dialect, dts: list[str]) -> Iterator[Kernel]:
    real = [dt for dt in dts if np.dtype(dt).kind != "c"]
    for dt in dts + _LOW:  # moves copy 16-bit floats as their bits
        yield gather.gather(d, dt)
        yield gather.take(d, dt, _I64)
        yield gather.scatter(d, dt, False)
        if dt not in exprs.LOW_FLOATS:  # scatter-adds of 16-bit floats run in float32
            yield gather.scatter(d, dt, True)
        yield fill.tri(d, dt, "tril")
    for dt in real:  # complex eye, ramps, sorts and searches run on the host
        yield fill.tri(d, dt, "eye")
        yield gather.searchsorted(d, dt, False)
        yield gather.searchsorted(d, dt, True)
        for desc in (False, True):
            yield from sort.sort(d, dt, desc)
        yield sort.sort_out(d, dt, True)
        compute = _I64 if np.dtype(dt).kind in "iub" else _F32
        yield fill.ramp(d, dt, compute)
    yield sort.sort_out(d, _F32, False)


def kernels(d: Dialect) -> list[Kernel]:
    """Every kernel form for ``d``, deduplicated by source."""
    dts = dtypes_of(d)
    seen, out = set(), []
    for gen, with_low in ((_elementwise, True), (_reductions, False), (_matmuls, False), (_data_movement, False)):
        for k in gen(d, dtypes_of(d, with_low) if with_low else dts):
            if k.source not in seen:
                seen.add(k.source)
                out.append(k)
    return out


def translation_unit(d: Dialect, kerns: list[Kernel]) -> str:
    """One source holding all ``kerns`` (for the C++-based dialects, MSL and CUDA): the dialect's prelude once, each kernel in namespace ``nr_k<i>`` with
    its entry renamed ``<name>_<i>`` (unique even where entries are ``extern "C"``), macros undefined after."""
    parts = [d.prelude]
    for i, k in enumerate(kerns):
        body = k.source[len(d.prelude):] if k.source.startswith(d.prelude) else k.source
        pragmas = [ln for ln in body.splitlines() if ln.startswith("#pragma")]
        body = "\n".join(ln for ln in body.splitlines() if not ln.startswith("#pragma"))
        body = re.sub(rf"\b{k.name}\b", f"{k.name}_{i}", body)
        macros = re.findall(r"^#define (\w+)", body, flags=re.M)
        parts.append("\n".join(pragmas) + f"\nnamespace nr_k{i} {{\n{body}\n}}\n"
                     + "".join(f"#undef {m}\n" for m in macros))
    return "\n".join(parts)
