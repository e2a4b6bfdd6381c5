"""``layer_norm`` without affine terms: normalise over the last ``ndim`` axes in one fused kernel; and
``batch_norm`` with batch statistics (training), affine terms included, with a backward op: per channel a mean, a
variance, and one scale-and-shift pass forward; two reductions and one pass backward, instead of the chain of
nodes the formula spelled in nr ops records."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.grad_mode import state as _grad_state
from nr_core.optable import OpDef

LAYER_NORM = OpDef("layer_norm", "nn", 1, "real floating-point", primitive=False)
# (x, y = layer_norm(x), gy) -> gx: the backward in one kernel where no graph is being built
LAYER_NORM_BACKWARD = OpDef("layer_norm_backward", "nn", 3, "real floating-point", differentiable=False,
                            primitive=False)
# x * w + b with w and b (either may be None) over x's trailing dims: layer norm's affine terms as one node
AFFINE = OpDef("affine", "nn", 3, "real floating-point", primitive=False)
# (x, w, g) -> (gx, gw, gb); an unwanted one (``needs``) comes back as an empty (0,) array
AFFINE_BACKWARD = OpDef("affine_backward", "nn", 3, "real floating-point", differentiable=False, primitive=False,
                        nout=3)
# (y, batch mean (C,), biased batch variance (C,)); the statistics feed the running averages and the backward
BATCH_NORM = OpDef("batch_norm", "nn", 3, "real floating-point", primitive=False, nout=3)
BATCH_NORM_BACKWARD = OpDef("batch_norm_backward", "nn", 7, "real floating-point", differentiable=False,
                            primitive=False, nout=3)


def layer_norm(x, ndim: int, eps: float):
    return apply(LAYER_NORM, (x,), {"ndim": ndim, "eps": eps}, x.dtype)


def _axes(ndim):
    return tuple(range(-ndim, 0))


def layer_norm_decomposition(x, ndim, eps):
    axes = _axes(ndim)
    d = x - nr.mean(x, axis=axes, keepdims=True)
    return d / nr.sqrt(nr.mean(d * d, axis=axes, keepdims=True) + eps)


def layer_norm_backward(x, y, g, ndim: int, eps: float):
    return apply(LAYER_NORM_BACKWARD, (x, y, g), {"ndim": ndim, "eps": eps}, x.dtype)


def layer_norm_backward_decomposition(x, y, g, ndim, eps):
    axes = _axes(ndim)
    d = x - nr.mean(x, axis=axes, keepdims=True)
    rstd = 1.0 / nr.sqrt(nr.mean(d * d, axis=axes, keepdims=True) + eps)
    gx = g - nr.mean(g, axis=axes, keepdims=True) - y * nr.mean(g * y, axis=axes, keepdims=True)
    return gx * rstd


def layer_norm_vjp(ctx, g):
    # while a graph is being built (create_graph) the backward must itself be differentiable: use nr ops
    backward = layer_norm_backward_decomposition if _grad_state.enabled else layer_norm_backward
    return (backward(ctx.inputs[0], ctx.out, g, ctx.params["ndim"], ctx.params["eps"]),)


def affine(x, weight, bias):
    """``x * weight + bias`` for ``weight`` and ``bias`` of x's trailing shape (either may be None, not both)."""
    return apply(AFFINE, (x, weight, bias), {}, x.dtype)


def affine_decomposition(x, weight, bias):
    out = x if weight is None else x * weight
    return out if bias is None else out + bias


def affine_backward(x, weight, g, needs: tuple):
    return apply(AFFINE_BACKWARD, (x, weight, g), {"needs": tuple(bool(n) for n in needs)}, x.dtype)


def _lead_sum(t, k):
    """``t`` summed over every leading dim down to its trailing ``k`` dims."""
    return nr.sum(t, axis=tuple(range(t.ndim - k))) if t.ndim > k else t


def affine_backward_decomposition(x, weight, g, needs):
    none = nr.zeros((0,), dtype=g.dtype, device=g.device)
    k = g.ndim if weight is None else weight.ndim
    gx = (g if weight is None else g * weight) if needs[0] else none
    gw = _lead_sum(g * x, k) if needs[1] else none
    gb = _lead_sum(g, k) if needs[2] else none
    return gx, gw, gb


def affine_vjp(ctx, g):
    x, weight, bias = ctx.inputs
    needs = ctx.needs
    if weight is None:  # a shift alone: the backward kernel reads the weight's shape, so sum in nr ops here
        return (g if needs[0] else None), None, (_lead_sum(g, bias.ndim) if needs[2] else None)
    backward = affine_backward_decomposition if _grad_state.enabled else affine_backward
    grads = backward(x, weight, g, needs)
    return tuple(gr if need else None for gr, need in zip(grads, needs))


def batch_norm(x, weight, bias, eps: float):
    """Normalise ``x`` (N, C, *d) per channel with its batch statistics, then ``* weight + bias`` (each may be
    None); returns ``(y, mean, var)``. Arguments are checked by ``F.batch_norm``."""
    return apply(BATCH_NORM, (x, weight, bias), {"eps": eps}, x.dtype)


def batch_norm_backward(x, weight, mean, var, gy, gmean, gvar, eps: float):
    """(d x, d weight, d bias) for the gradients of y, mean and var (any of them None)."""
    return apply(BATCH_NORM_BACKWARD, (x, weight, mean, var, gy, gmean, gvar), {"eps": eps}, x.dtype)


def _channel(t, ndim):
    return nr.reshape(t, (1, -1) + (1,) * (ndim - 2))


def _stat_axes(ndim):
    return (0,) + tuple(range(2, ndim))


def batch_norm_decomposition(x, weight, bias, eps):
    axes = _stat_axes(x.ndim)
    mean = nr.mean(x, axis=axes, keepdims=True)
    d = x - mean
    var = nr.mean(d * d, axis=axes, keepdims=True)
    y = d / nr.sqrt(var + eps)
    if weight is not None:
        y = y * _channel(weight, x.ndim)
    if bias is not None:
        y = y + _channel(bias, x.ndim)
    return y, nr.reshape(mean, (-1,)), nr.reshape(var, (-1,))


def batch_norm_backward_decomposition(x, weight, mean, var, gy, gmean, gvar, eps):
    axes = _stat_axes(x.ndim)
    m = x.size // x.shape[1]
    rstd = 1.0 / nr.sqrt(var + eps)
    xhat = (x - _channel(mean, x.ndim)) * _channel(rstd, x.ndim)
    gx = gw = gb = None
    if gy is not None:
        gb = nr.sum(gy, axis=axes)
        gw = nr.sum(gy * xhat, axis=axes)
        scale = rstd if weight is None else rstd * weight
        gx = (gy - _channel(gb / m, x.ndim) - xhat * _channel(gw / m, x.ndim)) * _channel(scale, x.ndim)
    if gmean is not None:
        term = nr.zeros_like(x) + _channel(gmean / m, x.ndim)
        gx = term if gx is None else gx + term
    if gvar is not None:
        term = (x - _channel(mean, x.ndim)) * _channel(gvar * (2.0 / m), x.ndim)
        gx = term if gx is None else gx + term
    c = x.shape[1]
    zeros = nr.zeros((c,), dtype=x.dtype, device=x.device)
    return (nr.zeros_like(x) if gx is None else gx), (zeros if gw is None else gw), (zeros if gb is None else gb)


def batch_norm_vjp(ctx, grads):
    x, weight, _ = ctx.inputs
    _, mean, var = ctx.out
    need_x, need_w, need_b = ctx.needs
    # while a graph is being built (create_graph) the backward must itself be differentiable: use nr ops
    backward = batch_norm_backward_decomposition if _grad_state.enabled else batch_norm_backward
    gx, gw, gb = backward(x, weight, mean, var, *grads, ctx.params["eps"])
    return gx if need_x else None, gw if need_w else None, gb if need_b else None


OPS = [(AFFINE, affine_decomposition, affine_vjp), (AFFINE_BACKWARD, affine_backward_decomposition, None),
       (LAYER_NORM, layer_norm_decomposition, layer_norm_vjp),
       (LAYER_NORM_BACKWARD, layer_norm_backward_decomposition, None),
       (BATCH_NORM, batch_norm_decomposition, batch_norm_vjp),
       (BATCH_NORM_BACKWARD, batch_norm_backward_decomposition, None)]


# ---- kit samples of batch_norm ------------------------------------------------------------------------
def batch_norm_ref(x, weight, bias, eps):
    axes = _stat_axes(x.ndim)
    xd = x.astype(np.float64)
    mean = xd.mean(axis=axes)
    var = xd.var(axis=axes)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (xd - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return tuple(a.astype(x.dtype) for a in (y, mean, var))


def batch_norm_backward_ref(x, weight, mean, var, gy, gmean, gvar, eps):
    """Central differences of the reference, contracted with the three output gradients (float64)."""
    c = x.shape[1]
    cot = (gy, gmean, gvar)

    def loss(xv, wv, bv):
        outs = batch_norm_ref(xv, wv, bv, eps)
        return sum(float(np.sum(o * g)) for o, g in zip(outs, cot) if g is not None)
    args = [x.astype(np.float64), np.ones(c) if weight is None else weight.astype(np.float64), np.zeros(c)]
    grads = []
    for k, a in enumerate(args):
        flat, out = a.reshape(-1), np.zeros(a.size)
        for j in range(a.size):
            keep = flat[j]
            flat[j] = keep + 1e-6
            hi = loss(*args)
            flat[j] = keep - 1e-6
            lo = loss(*args)
            flat[j] = keep
            out[j] = (hi - lo) / 2e-6
        grads.append(out.reshape(a.shape).astype(x.dtype))
    return tuple(grads)


_BN_CASES = [((4, 3), True), ((3, 2, 4), False), ((2, 3, 2, 3), True)]


def batch_norm_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        tol = dict(rtol=1e-4, atol=1e-4) if dt is _d.float32 else dict(rtol=1e-6, atol=1e-7)
        for i, (xs, affine) in enumerate(_BN_CASES):
            c = xs[1]
            x = values(xs, dt, key=("bn", i))
            w = values((c,), dt, 0.5, 2.0, key=("bnw", i)) if affine else None
            b = values((c,), dt, key=("bnb", i)) if affine else None
            label = f"{dt.name}-{i}"
            if name == "batch_norm":
                yield Sample(name, (x, w, b), {"eps": 1e-5}, call=batch_norm, ref=batch_norm_ref, label=label,
                             **tol)
                continue
            _, mean, var = batch_norm_ref(x, w, b, 1e-5)
            gy = values(xs, dt, key=("bngy", i))
            gmean = values((c,), dt, key=("bngm", i)) if i != 1 else None
            gvar = values((c,), dt, key=("bngv", i)) if i == 2 else None
            yield Sample(name, (x, w, mean, var, gy, gmean, gvar), {"eps": 1e-5}, call=batch_norm_backward,
                         ref=batch_norm_backward_ref, label=label, grad=False, **tol)


# ---- kit samples of layer_norm_backward --------------------------------------------------------------------
def _layer_norm_ref(x, ndim, eps):
    axes = _axes(ndim)
    d = x - x.mean(axis=axes, keepdims=True)
    return d / np.sqrt((d * d).mean(axis=axes, keepdims=True) + eps)


def layer_norm_backward_ref(x, y, g, ndim, eps):
    """Central differences of the float64 layer norm, contracted with ``g``."""
    xd, gd = x.astype(np.float64), g.astype(np.float64)
    flat, out = xd.reshape(-1), np.zeros(x.size)
    for j in range(x.size):
        keep = flat[j]
        flat[j] = keep + 1e-6
        hi = float(np.sum(_layer_norm_ref(xd, ndim, eps) * gd))
        flat[j] = keep - 1e-6
        lo = float(np.sum(_layer_norm_ref(xd, ndim, eps) * gd))
        flat[j] = keep
        out[j] = (hi - lo) / 2e-6
    return out.reshape(x.shape).astype(x.dtype)


def layer_norm_backward_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        tol = dict(rtol=1e-3, atol=1e-3) if dt is _d.float32 else dict(rtol=1e-6, atol=1e-7)
        for i, (xs, ndim) in enumerate((((3, 5), 1), ((2, 3, 4), 2), ((2, 2, 6), 1))):
            x = values(xs, dt, key=("lnb", i))
            y = _layer_norm_ref(x.astype(np.float64), ndim, 1e-5).astype(x.dtype)
            g = values(xs, dt, key=("lnbg", i))
            yield Sample(name, (x, y, g), {"ndim": ndim, "eps": 1e-5}, call=layer_norm_backward,
                         ref=layer_norm_backward_ref, label=f"{dt.name}-{i}", grad=False, **tol)


# ---- kit samples of affine and affine_backward ---------------------------------------------------------------
def affine_ref(x, weight, bias):
    out = x.astype(np.float64)
    out = out if weight is None else out * weight
    return (out if bias is None else out + bias).astype(x.dtype)


def affine_backward_ref(x, weight, g, needs):
    k = weight.ndim
    lead = tuple(range(g.ndim - k))
    gd = g.astype(np.float64)
    none = np.zeros((0,), dtype=x.dtype)
    return ((gd * weight).astype(x.dtype) if needs[0] else none,
            (gd * x).sum(axis=lead).astype(x.dtype) if needs[1] else none,
            gd.sum(axis=lead).astype(x.dtype) if needs[2] else none)


_AFFINE_CASES = [((3, 5), (5,), True, True), ((2, 3, 4), (3, 4), True, False), ((4, 2, 6), (6,), False, True),
                 ((6,), (6,), True, True)]


def affine_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values
    needs_cases = [(True, True, True), (False, True, True), (True, False, False)]
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        tol = dict(rtol=1e-5, atol=1e-5) if dt is _d.float32 else {}
        for i, (xs, ws, with_w, with_b) in enumerate(_AFFINE_CASES):
            x = values(xs, dt, key=("af", i))
            w = values(ws, dt, 0.5, 2.0, key=("afw", i)) if with_w else None
            b = values(ws, dt, key=("afb", i)) if with_b else None
            if name == "affine":
                yield Sample(name, (x, w, b), {}, call=affine, ref=affine_ref, label=f"{dt.name}-{i}", **tol)
            elif with_w:
                g = values(xs, dt, key=("afg", i))
                yield Sample(name, (x, w, g), {"needs": needs_cases[i % 3]}, call=affine_backward,
                             ref=affine_backward_ref, label=f"{dt.name}-{i}", grad=False, **tol)


SAMPLES = {"affine": affine_samples, "affine_backward": affine_samples,
           "batch_norm": batch_norm_samples, "batch_norm_backward": batch_norm_samples,
           "layer_norm_backward": layer_norm_backward_samples}
