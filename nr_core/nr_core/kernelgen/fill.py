"""Creation kernels: ramps (arange, linspace) and triangles (eye, tril, triu)."""
from __future__ import annotations

from functools import lru_cache

from .dialect import Dialect
from .source import IDX, Kernel, Params, build


@lru_cache(maxsize=64)
def ramp(d: Dialect, dt: str, compute: str) -> Kernel:
    """out[i] = start + i * step computed in ``compute``; the last element replaced by ``last`` when asked
    (arange and linspace)."""
    C = d.ctype(compute)
    p = Params(d)
    p.ptr("out", dt, "out")
    p.arg(compute, "start", "step", "last")
    p.arg(IDX, "set_last", "n")
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n"
            f"    {C} v = (set_last && i == n - 1) ? last : start + ({C})i * step;\n"
            f"    out[i] = ({d.ctype(dt)})v;\n")
    return build(d, p, "nr_ramp", body, (dt, compute))


@lru_cache(maxsize=64)
def tri(d: Dialect, dt: str, mode: str) -> Kernel:
    """eye / tril / triu on contiguous (batch, R, C) data: keep x where ``col - row`` passes the test."""
    T = d.ctype(dt)
    test = {"eye": "col - row == k", "tril": "col - row <= k", "triu": "col - row >= k"}[mode]
    p = Params(d)
    p.ptr("out", dt, "out")
    if mode != "eye":
        p.ptr("in", dt, "x")
        p.arg(IDX, "x_off")
    p.arg(IDX, "R", "C", "k", "n")
    val = "(" + T + ")1" if mode == "eye" else "x[x_off + i]"
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n    long col = i % C, row = (i / C) % R;\n"
            f"    out[i] = ({test}) ? {val} : {d.zero(T)};\n")
    return build(d, p, "nr_tri", body, (dt,))
