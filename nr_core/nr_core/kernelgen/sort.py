"""Bitonic sort (stable through an index tie-break)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .dialect import Dialect
from .source import IDX, Kernel, Params, build


def _sort_less(d: Dialect, dt, descending: bool) -> str:
    """``nr_before(va, ia, vb, ib, N)``: does (va, ia) come first? Padding (index >= N) goes last, NaN goes
    last ascending and first descending, equal values keep their original order."""
    nan = "isnan" if np.dtype(dt).kind == "f" else "0 &&"
    T = d.ctype(dt)
    cmp = "va > vb" if descending else "va < vb"
    if descending:
        nan_rule = (f"    if ({nan}(va)) return !({nan}(vb)) || ia < ib;\n"
                    f"    if ({nan}(vb)) return 0;\n")
    else:
        nan_rule = (f"    if ({nan}(va)) return ({nan}(vb)) && ia < ib;\n"
                    f"    if ({nan}(vb)) return 1;\n")
    return (f"int nr_before({T} va, long ia, {T} vb, long ib, long N) {{\n"
            "    if (ia >= N || ib >= N) return ia < ib;\n" + nan_rule
            + f"    if (va != vb) return {cmp};\n    return ia < ib;\n}}\n")


@lru_cache(maxsize=64)
def sort(d: Dialect, dt: str, descending: bool) -> tuple[Kernel, Kernel]:
    """(init, step): ``init`` loads rows into padded key/index arrays; ``step`` is one bitonic stage (k, j)."""
    T = d.ctype(dt)
    p = Params(d)
    p.ptr("out", dt, "keys")
    p.ptr("out", IDX, "idx")
    p.ptr("in", dt, "x")
    p.arg(IDX, "x_off", "N", "P", "n")
    init = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n    long r = i / P, c = i % P;\n"
            f"    keys[i] = c < N ? x[x_off + r * N + c] : ({T})0;\n    idx[i] = c;\n")
    k_init = build(d, p, "nr_sort_init", init, (dt,))
    p = Params(d)
    p.ptr("out", dt, "keys")
    p.ptr("out", IDX, "idx")
    p.arg(IDX, "N", "P", "k", "j", "n")
    step = (f"    long g = {d.gid(0)};\n    if (g >= n) return;\n"
            "    long hp = P / 2, r = g / hp, t = g % hp;\n"
            "    long lo = ((t & ~(j - 1)) << 1) | (t & (j - 1)), hi = lo | j;\n"
            "    long a = r * P + lo, b = r * P + hi;\n"
            f"    {T} va = keys[a], vb = keys[b]; long ia = idx[a], ib = idx[b];\n"
            "    int up = (lo & k) == 0;\n"
            "    int swap = up ? nr_before(vb, ib, va, ia, N) : nr_before(va, ia, vb, ib, N);\n"
            "    if (swap) { keys[a] = vb; keys[b] = va; idx[a] = ib; idx[b] = ia; }\n")
    k_step = build(d, p, "nr_sort_step", step, (dt,), _sort_less(d, dt, descending))
    return k_init, k_step


@lru_cache(maxsize=64)
def sort_out(d: Dialect, dt: str, values: bool) -> Kernel:
    """Copy the first N of each padded row out: the keys (sort) or the indices (argsort)."""
    src_dt = dt if values else IDX
    p = Params(d)
    p.ptr("out", src_dt, "out")
    p.ptr("in", src_dt, "src")
    p.arg(IDX, "N", "P", "n")
    body = f"    long i = {d.gid(0)};\n    if (i < n) out[i] = src[(i / N) * P + i % N];\n"
    return build(d, p, "nr_sort_out", body, (src_dt,))
