"""``linear``: ``x @ w.T + b`` as one op (one GEMM over every leading dim of ``x`` with the bias added in place), and
its gradient in two GEMMs and a column sum; with its decomposition and kit samples.

One node instead of matmul + add: the backward is ``gx = g @ w``, ``gw = g2.T @ x2`` and ``gb = g2.sum(0)`` over the
flattened leading dims, never a stack of per-batch GEMMs summed afterwards.
"""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.optable import OpDef

LINEAR = OpDef("linear", "nn", 3, "real floating-point", primitive=False)


def linear(x, w, b=None):
    """``x`` (*, in), ``w`` (out, in), ``b`` (out,) or None -> (*, out); shapes checked by ``F.linear``."""
    return apply(LINEAR, (x, w, b), {}, x.dtype)


def linear_decomposition(x, w, b):
    out = nr.matmul(x, nr.matrix_transpose(w))
    return out if b is None else out + b


def _rows(t):
    """(*, n) -> (M, n): the leading dims flattened (a view when contiguous)."""
    return t if t.ndim == 2 else nr.reshape(t, (-1, t.shape[-1]))


def linear_vjp(ctx, g):
    x, w, _ = ctx.inputs
    need_x, need_w, need_b = ctx.needs
    g2 = _rows(g)
    gx = gw = gb = None
    if need_x:
        gx = nr.matmul(g2, w)
        if x.ndim != 2:
            gx = nr.reshape(gx, x.shape)
    if need_w:
        gw = nr.matmul(nr.matrix_transpose(g2), _rows(x))
    if need_b:
        gb = nr.sum(g2, axis=0)
    return gx, gw, gb


OPS = [(LINEAR, linear_decomposition, linear_vjp)]


# ---- kit samples ----------------------------------------------------------------------------------
def linear_ref(x, w, b):
    out = np.einsum("...i,oi->...o", x, w)
    return (out if b is None else out + b).astype(x.dtype)


# (x shape, out features, with bias)
_SHAPES = [((3, 4), 5, True), ((2, 3, 4), 2, True), ((3, 4), 2, False), ((0, 3), 2, True), ((4,), 3, True)]


def linear_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        for i, (xs, out, bias) in enumerate(_SHAPES):
            x = values(xs, dt, key=("x", i))
            w = values((out, xs[-1]), dt, key=("w", i))
            b = values((out,), dt, key=("b", i)) if bias else None
            yield Sample(name, (x, w, b), call=linear, ref=linear_ref, label=f"{dt.name}-{i}", grad=x.size > 0)


SAMPLES = {"linear": linear_samples}
