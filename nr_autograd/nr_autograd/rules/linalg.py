"""Gradient rules of the ``nr.linalg`` extension: factorisations (cholesky, eigh, qr, svd), inverses and solves,
determinants, and the composite ops (norms, products, diagonals), which differentiate their decompositions.

Formulas follow PyTorch's (conjugate convention); inputs of Hermitian factorisations get Hermitian gradients.
"""
from __future__ import annotations

import nr_core as nr
from nr_core.optable import DECOMPOSITIONS

from ._table import rule_table
from ._util import conj, keep_dims

RULES, rule = rule_table()


def _h(x):
    """The conjugate transpose of a stack of matrices."""
    return conj(nr.matrix_transpose(x))


def _diag_embed(d):
    """Stack of diagonal matrices with ``d`` (..., k) on the diagonal."""
    k = d.shape[-1]
    return nr.expand_dims(d, axis=-1) * nr.eye(k, dtype=d.dtype, device=d.device)


def _diag(x):
    return nr.linalg.diagonal(x)


def _sym(x):
    return (x + _h(x)) * 0.5


# ---- composite ops: differentiate their nr-op decomposition ----------------------------------------------------
def _by_composition(name: str):
    """A rule that records the op's decomposition (written in nr ops) and differentiates that."""
    def fn(ctx, g):
        from ..engine import grad  # the engine imports the rule tables: bind it at call time
        create = nr.is_grad_enabled()  # True inside a create_graph backward
        wanted = [i for i, e in enumerate(ctx.edges) if e is not None]
        with nr.enable_grad():
            xs = list(ctx.inputs)
            if not create:
                for i in wanted:
                    xs[i] = xs[i].detach().requires_grad_(True)
            y = DECOMPOSITIONS[name](*xs, **ctx.params)
            if not y.requires_grad:  # the result does not depend on the inputs (matrix_power(x, 0))
                return (None,) * len(xs)
            gs = grad((y,), tuple(xs[i] for i in wanted), (g,), create_graph=create, allow_unused=True)
        out = [None] * len(xs)
        for i, gi in zip(wanted, gs):
            out[i] = gi
        return tuple(out)
    return fn


for _name in ("cross", "outer", "diagonal", "trace", "matrix_norm", "matrix_power", "pinv"):
    rule(_name, save="inputs", meta=True)(_by_composition(_name))


@rule("vector_norm", save="both", meta=True)
def _vector_norm(ctx, g):
    (x,) = ctx.inputs
    p = ctx.params
    shape, axis, keepdims, o = ctx.shapes[0], p["axis"], p["keepdims"], p["ord"]
    if o not in (2, 2.0):
        return _by_composition("vector_norm")(ctx, g)
    # g * x / ||x||, and 0 where the norm is 0 (PyTorch's subgradient)
    n = keep_dims(ctx.out, shape, axis, keepdims)
    return (nr.where(n == 0, 0.0, keep_dims(g, shape, axis, keepdims) / nr.where(n == 0, 1.0, n)) * x,)


# ---- inverses, determinants, solves ------------------------------------------------------------------------------
@rule("inv", save="out")
def _inv(ctx, g):
    yh = _h(ctx.out)
    return (-nr.matmul(yh, nr.matmul(g, yh)),)


@rule("det", save="both")
def _det(ctx, g):
    (a,) = ctx.inputs
    scale = nr.expand_dims(g * conj(ctx.out), axis=(-2, -1))
    return (scale * _h(nr.linalg.inv(a)),)


@rule("slogdet", save="both")
def _slogdet(ctx, g):
    (a,) = ctx.inputs
    g_sign, g_log = g
    sign = ctx.out[0]
    if g_log is None:
        g_log = nr.zeros(sign.shape, dtype=ctx.out[1].dtype, device=a.device)
    total = g_log
    if a.dtype.kind == "complex":
        # log det = logabsdet + i*angle; the sign's gradient reaches the angle (sign = exp(i*angle))
        total = nr.astype(g_log, a.dtype)
        if g_sign is not None:
            total = total - 1j * nr.imag(conj(g_sign) * sign)
    return (nr.expand_dims(total, axis=(-2, -1)) * _h(nr.linalg.inv(a)),)


@rule("solve", save="both", bcast=True)
def _solve(ctx, g):
    a, b = ctx.inputs
    x = ctx.out
    vector = b.ndim == 1
    g2 = nr.expand_dims(g, axis=-1) if vector else g
    x2 = nr.expand_dims(x, axis=-1) if vector else x
    gb = nr.linalg.solve(_h(a), g2)
    ga = -nr.matmul(gb, _h(x2)) if ctx.edges[0] is not None else None
    return ga, (gb[..., 0] if vector else gb)


# ---- factorisations --------------------------------------------------------------------------------------------
@rule("cholesky", save="out")
def _cholesky(ctx, g):
    upper = ctx.params.get("upper", False)
    low = _h(ctx.out) if upper else ctx.out
    gl = _h(g) if upper else g
    phi = nr.tril(nr.matmul(_h(low), gl))
    phi = phi - _diag_embed(_diag(phi)) * 0.5
    inv_l = nr.linalg.inv(low)
    return (_sym(nr.matmul(_h(inv_l), nr.matmul(phi, inv_l))),)


def _eigen_gap(w):
    """E[i, j] = w[j] - w[i] off the diagonal, 1 on it (so that dividing by it is safe)."""
    e = nr.expand_dims(w, axis=-2) - nr.expand_dims(w, axis=-1)
    return e + nr.eye(w.shape[-1], dtype=w.dtype, device=w.device)


@rule("eigh", save="out")
def _eigh(ctx, g):
    gw, gv = g
    w, v = ctx.out
    inner = nr.zeros(v.shape, dtype=v.dtype, device=v.device)
    if gv is not None:
        vhgv = nr.matmul(_h(v), gv)
        vhgv = (vhgv - _h(vhgv)) * 0.5
        inner = vhgv / _eigen_gap(w)
        inner = inner - _diag_embed(_diag(inner))
    if gw is not None:
        inner = inner + _diag_embed(nr.astype(gw, v.dtype))
    return (nr.matmul(v, nr.matmul(inner, _h(v))),)


@rule("eigvalsh", save="inputs")
def _eigvalsh(ctx, g):
    _, v = nr.linalg.eigh(ctx.inputs[0])
    return (nr.matmul(v * nr.expand_dims(nr.astype(g, v.dtype), axis=-2), _h(v)),)


@rule("qr", save="out", meta=True)
def _qr(ctx, g):
    gq, gr = g
    q, r = ctx.out
    m, n = ctx.shapes[0][-2:]
    if m < n or (ctx.params.get("mode") == "complete" and m > n):
        raise RuntimeError(f"linalg.qr: the gradient is defined for matrices with at least as many rows as columns "
                           f"(and mode='reduced' when rows > columns); got shape {ctx.shapes[0]} with mode "
                           f"{ctx.params.get('mode')!r}")
    # gA = (gQ + Q copyltu(M)) R^{-H} with M = R gR^H - gQ^H Q, copyltu(M) the Hermitian matrix built from
    # M's strict lower triangle and the real part of its diagonal
    if gq is None:
        m_ = nr.matmul(r, _h(gr))
    elif gr is None:
        m_ = -nr.matmul(_h(gq), q)
    else:
        m_ = nr.matmul(r, _h(gr)) - nr.matmul(_h(gq), q)
    low = nr.tril(m_, k=-1)
    d = _diag(m_)
    d = nr.astype(nr.real(d), d.dtype) if d.dtype.kind == "complex" else d
    ga = nr.matmul(q, low + _h(low) + _diag_embed(d))
    if gq is not None:
        ga = ga + gq
    return (nr.matmul(ga, _h(nr.linalg.inv(r))),)


def _svd_core(u, s, vh, gu, gs, gvh):
    """Gradient of A = U diag(S) Vh (reduced) from the output gradients (any may be None)."""
    k = s.shape[-1]
    dt = u.dtype
    sc = nr.astype(s, dt)
    if gu is None and gvh is None:
        return nr.matmul(u * nr.expand_dims(nr.astype(gs, dt), axis=-2), vh)
    s2 = s * s
    gap = nr.expand_dims(s2, axis=-2) - nr.expand_dims(s2, axis=-1)  # s_j^2 - s_i^2
    eye = nr.eye(k, dtype=s.dtype, device=s.device)
    f = nr.astype(nr.where(eye > 0, 0.0, 1.0 / (gap + eye)), dt)
    inner = nr.zeros(u.shape[:-2] + (k, k), dtype=dt, device=u.device)
    v = _h(vh)
    if gu is not None:
        uhgu = nr.matmul(_h(u), gu)
        j = f * uhgu
        inner = inner + (j + _h(j)) * nr.expand_dims(sc, axis=-2)
        if dt.kind == "complex":
            inner = inner + _diag_embed(1j * nr.astype(nr.imag(_diag(uhgu)), dt) / sc)
    if gvh is not None:
        gv = _h(gvh)
        kk = f * nr.matmul(vh, gv)
        inner = inner + nr.expand_dims(sc, axis=-1) * (kk + _h(kk))
    if gs is not None:
        inner = inner + _diag_embed(nr.astype(gs, dt))
    ga = nr.matmul(u, nr.matmul(inner, vh))
    if gu is not None and u.shape[-2] > k:
        proj = gu - nr.matmul(u, nr.matmul(_h(u), gu))
        ga = ga + nr.matmul(proj / nr.expand_dims(sc, axis=-2), vh)
    if gvh is not None and v.shape[-2] > k:
        proj = gvh - nr.matmul(nr.matmul(gvh, v), vh)
        ga = ga + nr.matmul(u, proj / nr.expand_dims(sc, axis=-1))
    return ga


@rule("svd", save="out")
def _svd(ctx, g):
    gu, gs, gvh = g
    u, s, vh = ctx.out
    k = s.shape[-1]
    if ctx.params.get("full_matrices", True) and (u.shape[-1] != k or vh.shape[-2] != k):
        # the extra columns of U and rows of Vh are arbitrary bases: only their first k take part
        u, vh = u[..., :k], vh[..., :k, :]
        gu = None if gu is None else gu[..., :k]
        gvh = None if gvh is None else gvh[..., :k, :]
    return (_svd_core(u, s, vh, gu, gs, gvh),)


@rule("svdvals", save="inputs")
def _svdvals(ctx, g):
    u, s, vh = nr.linalg.svd(ctx.inputs[0], full_matrices=False)
    return (_svd_core(u, s, vh, None, g, None),)
