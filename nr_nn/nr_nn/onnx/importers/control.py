"""``If`` and ``Loop`` (subgraphs run with the enclosing values in scope) and the random-draw ops."""
from __future__ import annotations

import numpy as np

import nr_core as nr

from ._base import impl, nr_dtype, scalar


@impl("Loop")
def _loop(ctx, a, max_trip=None, cond=None, *carried):
    """``body(i, cond, *carried) -> (cond, *carried, *scan outputs)``; scan outputs are stacked."""
    body = a["body"]
    n = None if max_trip is None else int(scalar(max_trip))
    keep = True if cond is None else bool(scalar(cond))
    state, scans, i = list(carried), None, 0
    while keep and (n is None or i < n):
        outs = ctx.run_graph(body, [ctx.array(np.array(i, np.int64)), ctx.array(np.array(keep)), *state])
        keep = bool(scalar(outs[0]))
        state = list(outs[1:1 + len(carried)])
        step = outs[1 + len(carried):]
        scans = [[] for _ in step] if scans is None else scans
        for acc, v in zip(scans, step):
            acc.append(v)
        i += 1
    n_scan = len(body.outputs) - 1 - len(carried)
    stacked = [nr.stack(acc, axis=0) if acc else None for acc in (scans or [[] for _ in range(n_scan)])]
    if any(s is None for s in stacked):
        raise ValueError("Loop: a loop that runs no iteration leaves its scan outputs without a dtype")
    out = tuple(state) + tuple(stacked)
    return out if len(out) != 1 else out[0]



@impl("If")
def _if(ctx, a, cond):
    branch = a["then_branch"] if bool(scalar(cond)) else a["else_branch"]
    outs = ctx.run_graph(branch, [])
    return outs if len(outs) > 1 else outs[0]


# ---- random draws (nr's generator: ``nr.random.seed`` makes them reproducible) -------------------------
def _draw(ctx, a, shape, like=None):
    dt = nr_dtype(a["dtype"]) if "dtype" in a else (like.dtype if like is not None else nr.float32)
    return dt, tuple(shape), like.device if like is not None else ctx.device


@impl("RandomNormal", "RandomNormalLike")
def _random_normal(ctx, a, like=None):
    dt, shape, dev = _draw(ctx, a, a["shape"] if like is None else like.shape, like)
    return nr.random.normal(shape, a.get("mean", 0.0), a.get("scale", 1.0), dtype=dt, device=dev)


@impl("RandomUniform", "RandomUniformLike")
def _random_uniform(ctx, a, like=None):
    dt, shape, dev = _draw(ctx, a, a["shape"] if like is None else like.shape, like)
    return nr.random.uniform(shape, a.get("low", 0.0), a.get("high", 1.0), dtype=dt, device=dev)
