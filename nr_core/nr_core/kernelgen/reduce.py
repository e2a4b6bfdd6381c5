"""Reductions (sum/prod/max/min/all/any/argmax/argmin over strided axes) and running sums."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .dialect import Dialect
from .source import IDX, Kernel, Params, build, coords


_COMBINE = {
    "sum": "{a} + {b}",
    "prod": "{a} * {b}",
    "max": "(({a} > {b} || NR_ISNAN({a})) ? {a} : {b})",
    "min": "(({a} < {b} || NR_ISNAN({a})) ? {a} : {b})",
    "all": "({a} && {b})",
    "any": "({a} || {b})",
}
_ARG_BETTER = {  # does candidate (v, i) beat the current best (bv, bi)? NaN wins, then value, then lower index
    "argmax": "(NR_ISNAN({v}) ? (!NR_ISNAN({bv}) || {i} < {bi}) : (!NR_ISNAN({bv}) && ({v} > {bv} || "
              "({v} == {bv} && {i} < {bi}))))",
    "argmin": "(NR_ISNAN({v}) ? (!NR_ISNAN({bv}) || {i} < {bi}) : (!NR_ISNAN({bv}) && ({v} < {bv} || "
              "({v} == {bv} && {i} < {bi}))))",
}


def identity(op: str, dt) -> str:
    """C literal of the identity of a reduction in dtype ``dt`` (padding for inactive lanes)."""
    dt = np.dtype(dt)
    if op in ("sum", "any"):
        return "0"
    if op in ("prod", "all"):
        return "1"
    if dt.kind == "f":
        return "-INFINITY" if op in ("max", "argmax") else "INFINITY"
    if dt.kind == "b":
        return "0" if op in ("max", "argmax") else "1"
    info = np.iinfo(dt)
    v = info.min if op in ("max", "argmax") else info.max
    return f"({v}{'UL' if dt.kind == 'u' else 'L'})" if v != np.iinfo(np.int64).min else "(-9223372036854775807L - 1)"


def _isnan_macro(dt) -> str:
    return "#define NR_ISNAN(x) isnan(x)\n" if np.dtype(dt).kind == "f" else "#define NR_ISNAN(x) 0\n"


@lru_cache(maxsize=512)
def reduction(d: Dialect, op: str, in_dt: str, acc_dt: str, out_dt: str, nk: int, nr: int, local: int) -> Kernel:
    """Reduce ``nr`` strided axes for each of the ``M`` outputs over ``nk`` kept axes, in ``G`` chunks.

    ``local`` 0: one work-item per (output, chunk), looping over the chunk: no barrier, the form CPU devices
    run best. Otherwise one work-group of ``local`` items per (output, chunk): each item strides over the
    chunk, then a tree in local memory. Output ``o`` of chunk ``c`` goes to ``out[o * G + c]``; with G > 1
    a second launch reduces the partials (a two-stage reduction).
    """
    arg = op in _ARG_BETTER
    A, I = d.ctype(acc_dt), d.ctype(in_dt)
    p = Params(d)
    p.ptr("out", out_dt, "out")
    p.ptr("in", in_dt, "x")
    p.arg(IDX, "x_off")
    p.dims("kd", nk)
    p.dims("ks", nk)
    p.dims("rd", nr)
    p.dims("rs", nr)
    p.arg(IDX, "M", "K", "G", "chunk")
    kept = " + ".join(["x_off"] + [f"k{i} * ks{i}" for i in range(nk)])
    red = " + ".join(["0"] + [f"j{i} * rs{i}" for i in range(nr)])
    load = f"({A})x[base + {red}]" if np.dtype(acc_dt) != np.bool_ else f"(x[base + {red}] != 0)"
    ident = identity(op, acc_dt)
    if arg:
        better = _ARG_BETTER[op]
        step = (f"        {A} v = {load};\n"
                f"        if ({better.format(v='v', i='r', bv='acc', bi='acci')}) {{ acc = v; acci = r; }}\n")
        init = f"    {A} acc = {ident}; long acci = 9223372036854775807L;\n"
    else:
        comb = _COMBINE[op]
        step = f"        {A} v = {load};\n        acc = {comb.format(a='acc', b='v')};\n"
        init = f"    {A} acc = {ident};\n"
    bounds = "    long start = c * chunk, stop = K - start < chunk ? K : start + chunk;\n"
    loop_head = "    for (long r = start + {first}; r < stop; r += {stride}) {{\n" + coords("r", "rd", nr, "j")
    if not local:
        body = (f"    long w = {d.gid(0)};\n    if (w >= M * G) return;\n    long o = w / G, c = w % G;\n"
                + coords("o", "kd", nk) + f"    long base = {kept};\n" + bounds + init
                + loop_head.format(first="0", stride="1") + step + "    }\n"
                + f"    out[w] = {'acci' if arg else f'({d.ctype(out_dt)})acc'};\n")
        return build(d, p, "nr_reduce", body, (in_dt, acc_dt, out_dt), _isnan_macro(acc_dt))
    shared = f"    {d.local_mem} {A} sh[{local}];\n" + (f"    {d.local_mem} long shi[{local}];\n" if arg else "")
    body = (shared + f"    long grp = {d.group(0)}, lid = {d.lid(0)};\n"
            + "    long o = grp / G, c = grp % G;\n" + coords("o", "kd", nk)
            + f"    long base = {kept};\n" + bounds + init
            + loop_head.format(first="lid", stride=str(local)) + step + "    }\n"
            + ("    sh[lid] = acc; shi[lid] = acci;\n" if arg else "    sh[lid] = acc;\n") + f"    {d.barrier}\n"
            + f"    for (long s = {local // 2}; s > 0; s >>= 1) {{\n        if (lid < s) {{\n")
    if arg:
        body += (f"            {A} v = sh[lid + s]; long r = shi[lid + s]; {A} bv = sh[lid]; long bi = shi[lid];\n"
                 f"            if ({_ARG_BETTER[op].format(v='v', i='r', bv='bv', bi='bi')}) "
                 "{ sh[lid] = v; shi[lid] = r; }\n")
    else:
        body += f"            sh[lid] = {_COMBINE[op].format(a='sh[lid]', b='sh[lid + s]')};\n"
    body += (f"        }}\n        {d.barrier}\n    }}\n"
             f"    if (lid == 0) out[grp] = {'shi[0]' if arg else f'({d.ctype(out_dt)})sh[0]'};\n")
    return build(d, p, "nr_reduce", body, (in_dt, acc_dt, out_dt), _isnan_macro(acc_dt))


@lru_cache(maxsize=128)
def scan(d: Dialect, in_dt: str, acc_dt: str, nk: int, include_initial: bool) -> Kernel:
    """Running sums along one strided axis; row ``o`` of the output is contiguous, ``N + initial`` long."""
    A = d.ctype(acc_dt)
    p = Params(d)
    p.ptr("out", acc_dt, "out")
    p.ptr("in", in_dt, "x")
    p.arg(IDX, "x_off")
    p.dims("kd", nk)
    p.dims("ks", nk)
    p.arg(IDX, "ax_s", "M", "N")
    inc = int(include_initial)
    body = (f"    long o = {d.gid(0)};\n    if (o >= M) return;\n" + coords("o", "kd", nk)
            + " ".join([f"    long base = x_off"] + [f"+ k{i} * ks{i}" for i in range(nk)]) + ";\n"
            + f"    {d.global_ptr} {A}* row = out + o * (N + {inc});\n"
            + (f"    row[0] = ({A})0;\n" if inc else "")
            + f"    {A} acc = ({A})0;\n"
            + f"    for (long j = 0; j < N; ++j) {{ acc += ({A})x[base + j * ax_s]; row[j + {inc}] = acc; }}\n")
    return build(d, p, "nr_scan", body, (in_dt, acc_dt))
