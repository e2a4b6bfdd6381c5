"""``linear``: ``x @ w.T + b`` as one op (one GEMM over every leading dim of ``x`` with the bias added in place), and
its gradient as one op ``linear_backward`` (two GEMMs and a column sum in one kernel call); with their
decompositions and kit samples.

One node instead of matmul + add: the backward is ``gx = g @ w``, ``gw = g2.T @ x2`` and ``gb = g2.sum(0)`` over the
flattened leading dims, never a stack of per-batch GEMMs summed afterwards. Spelled in nr ops that is up to seven
dispatched calls (reshapes, a transpose, the products, the sum); the fused op is one, and skips the products whose
input needs no gradient.
"""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.grad_mode import state as _grad_state
from nr_core.optable import OpDef

LINEAR = OpDef("linear", "nn", 3, "real floating-point", primitive=False)
# (x, w, g) -> (gx, gw, gb), each as an empty (0,) array where ``needs`` says it is not wanted
LINEAR_BACKWARD = OpDef("linear_backward", "nn", 3, "real floating-point", differentiable=False, primitive=False,
                        nout=3)


def linear(x, w, b=None):
    """``x`` (*, in), ``w`` (out, in), ``b`` (out,) or None -> (*, out); shapes checked by ``F.linear``."""
    return apply(LINEAR, (x, w, b), {}, x.dtype)


def linear_decomposition(x, w, b):
    out = nr.matmul(x, nr.matrix_transpose(w))
    return out if b is None else out + b


def _rows(t):
    """(*, n) -> (M, n): the leading dims flattened (a view when contiguous)."""
    return t if t.ndim == 2 else nr.reshape(t, (-1, t.shape[-1]))


def linear_backward(x, w, g, needs: tuple):
    """(d x, d w, d b) of ``linear`` for the output gradient ``g``; ``needs`` three bools (an unwanted one comes
    back as an empty (0,) array)."""
    return apply(LINEAR_BACKWARD, (x, w, g), {"needs": tuple(bool(n) for n in needs)}, x.dtype)


def linear_backward_decomposition(x, w, g, needs):
    g2 = _rows(g)
    none = nr.zeros((0,), dtype=g.dtype, device=g.device)
    gx = nr.reshape(nr.matmul(g2, w), x.shape) if needs[0] else none
    gw = nr.matmul(nr.matrix_transpose(g2), _rows(x)) if needs[1] else none
    gb = nr.sum(g2, axis=0) if needs[2] else none
    return gx, gw, gb


def linear_vjp(ctx, g):
    x, w, _ = ctx.inputs
    needs = ctx.needs
    # while a graph is being built (create_graph) the backward must itself be differentiable: use nr ops
    backward = linear_backward_decomposition if _grad_state.enabled else linear_backward
    grads = backward(x, w, g, needs)
    return tuple(gr if need else None for gr, need in zip(grads, needs))


OPS = [(LINEAR, linear_decomposition, linear_vjp), (LINEAR_BACKWARD, linear_backward_decomposition, None)]


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


def linear_backward_ref(x, w, g, needs):
    """The three products in float64 (einsum, independent of the kernels' GEMM calls)."""
    xd, wd, gd = (a.astype(np.float64) for a in (x, w, g))
    none = np.zeros((0,), dtype=x.dtype)
    gx = np.einsum("...o,oi->...i", gd, wd).astype(x.dtype) if needs[0] else none
    rows_g, rows_x = gd.reshape(-1, gd.shape[-1]), xd.reshape(-1, xd.shape[-1])
    gw = np.einsum("mo,mi->oi", rows_g, rows_x).astype(x.dtype) if needs[1] else none
    gb = rows_g.sum(axis=0).astype(x.dtype) if needs[2] else none
    return gx, gw, gb


def linear_backward_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    needs_cases = [(True, True, True), (False, True, True), (True, False, False), (False, True, False)]
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        tol = dict(rtol=1e-4, atol=1e-5) if dt is _d.float32 else {}
        for i, (xs, out, _) in enumerate(_SHAPES):
            x = values(xs, dt, key=("lbx", i))
            w = values((out, xs[-1]), dt, key=("lbw", i))
            g = values(xs[:-1] + (out,), dt, key=("lbg", i))
            needs = needs_cases[i % len(needs_cases)]
            yield Sample(name, (x, w, g), {"needs": needs}, call=linear_backward, ref=linear_backward_ref,
                         label=f"{dt.name}-{i}", grad=False, **tol)


SAMPLES = {"linear": linear_samples, "linear_backward": linear_backward_samples}
