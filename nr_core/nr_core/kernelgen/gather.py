"""Gather, take, scatter and binary search kernels."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .dialect import Dialect
from .source import IDX, Kernel, Params, build


@lru_cache(maxsize=64)
def gather(d: Dialect, dt: str) -> Kernel:
    """out[i] = x[offs[i]] for precomputed element offsets (advanced indexing)."""
    p = Params(d)
    p.ptr("out", dt, "out")
    p.ptr("in", dt, "x")
    p.ptr("in", IDX, "offs")
    p.arg(IDX, "n")
    body = f"    long i = {d.gid(0)};\n    if (i < n) out[i] = x[offs[i]];\n"
    return build(d, p, "nr_gather", body, (dt,))


@lru_cache(maxsize=64)
def take(d: Dialect, dt: str, ind_dt: str) -> Kernel:
    """out[p, j, q] = x[p, ind[j], q] with x contiguous (P, A, Q); negative indices wrap; bad ones flag ``err``."""
    p = Params(d)
    p.ptr("out", dt, "out")
    p.ptr("in", dt, "x")
    p.ptr("in", ind_dt, "ind")
    p.ptr("out", np.int32, "err")
    p.arg(IDX, "x_off", "ind_off", "J", "Q", "A", "n")
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n"
            "    long q = i % Q, pj = i / Q, j = pj % J, pp = pj / J;\n"
            "    long a = (long)ind[ind_off + j];\n    if (a < 0) a += A;\n"
            "    if (a < 0 || a >= A) { err[0] = 1; a = 0; }\n"
            "    out[i] = x[x_off + (pp * A + a) * Q + q];\n")
    return build(d, p, "nr_take", body, (dt,))


@lru_cache(maxsize=64)
def scatter(d: Dialect, dt: str, add: bool) -> Kernel:
    """Write (or accumulate) values at element offsets; duplicates are grouped into segments beforehand, so
    each target is touched by one work-item (deterministic, no atomics): ``set`` keeps the last value."""
    T = d.ctype(dt)
    p = Params(d)
    p.ptr("out", dt, "x")
    p.ptr("in", dt, "v")
    p.ptr("in", IDX, "perm")
    p.ptr("in", IDX, "uniq")
    p.ptr("in", IDX, "starts")
    p.arg(IDX, "U")
    body = f"    long u = {d.gid(0)};\n    if (u >= U) return;\n"
    if add:
        body += (f"    {T} acc = x[uniq[u]];\n"
                 "    for (long j = starts[u]; j < starts[u + 1]; ++j) acc += v[perm[j]];\n"
                 "    x[uniq[u]] = acc;\n")
    else:
        body += "    x[uniq[u]] = v[perm[starts[u + 1] - 1]];\n"
    return build(d, p, "nr_scatter", body, (dt,))



@lru_cache(maxsize=64)
def searchsorted(d: Dialect, dt: str, right: bool) -> Kernel:
    """Binary search of each value in a sorted 1-D array (NaN sorts last, as in NumPy)."""
    T = d.ctype(dt)
    nan = "isnan" if np.dtype(dt).kind == "f" else "0 &&"
    # left: first i with !(a[i] < v); right: first i with v < a[i]
    less = (f"(({nan}(a)) ? 0 : (({nan}(v)) ? 1 : a < v))" if not right
            else f"(({nan}(v)) ? 1 : (({nan}(a)) ? 0 : !(v < a)))")
    p = Params(d)
    p.ptr("out", IDX, "out")
    p.ptr("in", dt, "s")
    p.ptr("in", dt, "q")
    p.arg(IDX, "s_off", "q_off", "L", "n")
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n    {T} v = q[q_off + i];\n"
            "    long lo = 0, hi = L;\n"
            f"    while (lo < hi) {{ long mid = (lo + hi) / 2; {T} a = s[s_off + mid];\n"
            f"        if ({less}) lo = mid + 1; else hi = mid; }}\n    out[i] = lo;\n")
    return build(d, p, "nr_searchsorted", body, (dt,))
