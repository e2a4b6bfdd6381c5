"""Sequence-level recurrent ops: the whole time loop of one layer and direction in one forward op and one backward
op, for the Elman RNN (tanh/relu), LSTM (optionally projected) and GRU.

Each takes the input's share of the gates for every step, ``xw`` (T, N, G*H) = ``x @ w_ih.T`` plus the biases that
add there (one GEMM over the whole sequence, outside the loop, by the ``linear`` op), the initial state and the
recurrent weights; ``reverse=True`` runs the steps from the last to the first. The forward also returns what the
backward reads (cuDNN's "reserve space"): LSTM the activated gates (i, f, g, o) and cell states of every step, GRU
r, z, n and ``h @ w_hn.T + b_hn``. The backward kernel runs BPTT over them with one GEMM per step and the weight
gradients as one GEMM over all steps.

Decompositions: the forward is the step loop in nr ops; the backward records that loop and asks the grad engine for
its gradient, which is also what the rules run while a graph of the gradient is being built (``create_graph``).
"""
from __future__ import annotations

import nr_core as nr
from nr_core.amp import autocast_policy
from nr_core.dispatch import apply
from nr_core.grad_engine import grad_engine
from nr_core.grad_mode import state as _grad_state
from nr_core.optable import OpDef

from ..functional._checks import floating, same

_FLOAT = "real floating-point"
RNN_SEQUENCE = OpDef("rnn_sequence", "nn", 3, _FLOAT, primitive=False, nout=2)
LSTM_SEQUENCE = OpDef("lstm_sequence", "nn", 5, _FLOAT, primitive=False, nout=5)
GRU_SEQUENCE = OpDef("gru_sequence", "nn", 4, _FLOAT, primitive=False, nout=3)
RNN_SEQUENCE_BACKWARD = OpDef("rnn_sequence_backward", "nn", 6, _FLOAT, differentiable=False, primitive=False,
                              nout=3)
LSTM_SEQUENCE_BACKWARD = OpDef("lstm_sequence_backward", "nn", 13, _FLOAT, differentiable=False, primitive=False,
                               nout=5)
GRU_SEQUENCE_BACKWARD = OpDef("gru_sequence_backward", "nn", 9, _FLOAT, differentiable=False, primitive=False,
                              nout=4)


def _check(fn, xw, h0, w_hh, gates, hidden, proj=None):
    floating(xw, fn, "xw")
    same(fn, xw, h0, w_hh)
    size = proj or hidden
    if xw.ndim != 3 or xw.shape[0] == 0 or xw.shape[2] != gates * hidden or h0.shape != (xw.shape[1], size) \
            or w_hh.shape != (gates * hidden, size):
        raise ValueError(f"{fn}: expected xw (T>0, N, {gates}*H), h0 (N, {'P' if proj else 'H'}) and w_hh "
                         f"({gates}*H, {'P' if proj else 'H'}); got xw {xw.shape}, h0 {h0.shape}, w_hh {w_hh.shape}")


@autocast_policy("rnn_sequence", "low")  # cast before the checks: under autocast xw comes in 16 bits, h0 not
def rnn_sequence(xw, h0, w_hh, nonlinearity: str = "tanh", reverse: bool = False):
    """Elman RNN over a sequence: ``h_t = act(xw_t + h_{t-1} @ w_hh.T)``; returns ``(y (T, N, H), h_n)``."""
    _check("rnn_sequence", xw, h0, w_hh, 1, h0.shape[-1])
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn_sequence: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return apply(RNN_SEQUENCE, (xw, h0, w_hh), {"nonlinearity": nonlinearity, "reverse": bool(reverse)}, xw.dtype)


@autocast_policy("lstm_sequence", "low")  # cast before the checks: under autocast xw comes in 16 bits, h0 not
def lstm_sequence(xw, h0, c0, w_hh, w_hr=None, reverse: bool = False):
    """LSTM over a sequence (gates in torch's order i, f, g, o; ``w_hr`` (P, H) projects h): returns
    ``(y (T, N, P), h_n, c_n, gates (T, N, 4H) activated, cells (T, N, H))``."""
    hidden = c0.shape[-1] if isinstance(c0, nr.Tensor) else 0
    _check("lstm_sequence", xw, h0, w_hh, 4, hidden, None if w_hr is None else w_hr.shape[0])
    same("lstm_sequence", xw, c0, w_hr)
    if c0.shape != (xw.shape[1], hidden) or (w_hr is not None and w_hr.shape != (h0.shape[-1], hidden)):
        raise ValueError(f"lstm_sequence: c0 must be (N, H) and w_hr (P, H); got c0 {c0.shape}, "
                         f"w_hr {None if w_hr is None else w_hr.shape} for xw {xw.shape}")
    return apply(LSTM_SEQUENCE, (xw, h0, c0, w_hh, w_hr), {"reverse": bool(reverse)}, xw.dtype)


# PyTorch's CPU autocast runs GRU in float32 (only the LSTM/RNN layer is on its lower-precision list)
@autocast_policy("gru_sequence", "fp32")
def gru_sequence(xw, h0, w_hh, b_hh=None, reverse: bool = False):
    """GRU over a sequence (torch's gates r, z, n; ``b_hh`` is added inside the reset gate's product):
    returns ``(y (T, N, H), h_n, reserve (T, N, 4H) = r, z, n, h @ w_hn.T + b_hn)``."""
    _check("gru_sequence", xw, h0, w_hh, 3, h0.shape[-1])
    same("gru_sequence", xw, b_hh)
    if b_hh is not None and b_hh.shape != (xw.shape[2],):
        raise ValueError(f"gru_sequence: b_hh must be ({xw.shape[2]},), got {b_hh.shape}")
    return apply(GRU_SEQUENCE, (xw, h0, w_hh, b_hh), {"reverse": bool(reverse)}, xw.dtype)


def rnn_sequence_backward(xw, h0, w_hh, y, gy, gh, nonlinearity, reverse):
    """(d xw, d h0, d w_hh) for output gradients ``gy``, ``gh`` (either None)."""
    return apply(RNN_SEQUENCE_BACKWARD, (xw, h0, w_hh, y, gy, gh),
                 {"nonlinearity": nonlinearity, "reverse": reverse}, xw.dtype)


def lstm_sequence_backward(xw, h0, c0, w_hh, w_hr, y, gates, cells, gy, gh, gc, ggates, gcells, reverse):
    """(d xw, d h0, d c0, d w_hh, d w_hr (empty without a projection)) for the five outputs' gradients."""
    return apply(LSTM_SEQUENCE_BACKWARD, (xw, h0, c0, w_hh, w_hr, y, gates, cells, gy, gh, gc, ggates, gcells),
                 {"reverse": reverse}, xw.dtype)


def gru_sequence_backward(xw, h0, w_hh, b_hh, y, reserve, gy, gh, greserve, reverse):
    """(d xw, d h0, d w_hh, d b_hh (empty without it)) for the three outputs' gradients."""
    return apply(GRU_SEQUENCE_BACKWARD, (xw, h0, w_hh, b_hh, y, reserve, gy, gh, greserve), {"reverse": reverse},
                 xw.dtype)


# ---- forward decompositions: the step loop in nr ops -----------------------------------------------
def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def rnn_sequence_decomposition(xw, h0, w_hh, nonlinearity, reverse):
    act = nr.tanh if nonlinearity == "tanh" else nr.relu
    w_t, h, ys = nr.matrix_transpose(w_hh), h0, [None] * xw.shape[0]
    for t in _steps(xw.shape[0], reverse):
        h = ys[t] = act(xw[t] + nr.matmul(h, w_t))
    return nr.stack(ys, axis=0), h


def lstm_sequence_decomposition(xw, h0, c0, w_hh, w_hr, reverse):
    n = c0.shape[-1]
    w_t = nr.matrix_transpose(w_hh)
    h, c, steps = h0, c0, xw.shape[0]
    ys, gs, cs = [None] * steps, [None] * steps, [None] * steps
    for t in _steps(steps, reverse):
        z = xw[t] + nr.matmul(h, w_t)
        i, f = nr.sigmoid(z[:, :n]), nr.sigmoid(z[:, n:2 * n])
        g, o = nr.tanh(z[:, 2 * n:3 * n]), nr.sigmoid(z[:, 3 * n:])
        c = cs[t] = f * c + i * g
        h = o * nr.tanh(c)
        if w_hr is not None:
            h = nr.matmul(h, nr.matrix_transpose(w_hr))
        ys[t], gs[t] = h, nr.concat([i, f, g, o], axis=-1)
    return nr.stack(ys, axis=0), h, c, nr.stack(gs, axis=0), nr.stack(cs, axis=0)


def gru_sequence_decomposition(xw, h0, w_hh, b_hh, reverse):
    n = h0.shape[-1]
    w_t, h, steps = nr.matrix_transpose(w_hh), h0, xw.shape[0]
    ys, rs = [None] * steps, [None] * steps
    for t in _steps(steps, reverse):
        gh = nr.matmul(h, w_t)
        if b_hh is not None:
            gh = gh + b_hh
        x = xw[t]
        r = nr.sigmoid(x[:, :n] + gh[:, :n])
        z = nr.sigmoid(x[:, n:2 * n] + gh[:, n:2 * n])
        hn = gh[:, 2 * n:]
        cand = nr.tanh(x[:, 2 * n:] + r * hn)
        h = ys[t] = cand + z * (h - cand)
        rs[t] = nr.concat([r, z, cand, hn], axis=-1)
    return nr.stack(ys, axis=0), h, nr.stack(rs, axis=0)


# ---- backward decompositions: record the forward decomposition, ask the grad engine ----------------------
def _recompute_vjp(forward, inputs, params, cotangents):
    """Gradients of ``forward(*inputs, **params)`` with respect to each input (zeros for None-free inputs that
    get none; None for None inputs) for the outputs' ``cotangents`` (None: no gradient). While a graph is being
    built, inputs that require grad are used as they are, so the result can be differentiated again."""
    engine = grad_engine("the recurrent ops' gradient")
    # a graph of the gradient only where something it depends on requires grad (double backward), not whenever
    # grad mode is on (a direct call of the backward op must return plain arrays)
    create = _grad_state.enabled and any(t is not None and t.requires_grad for t in (*inputs, *cotangents))
    with nr.enable_grad():
        xs = [None if t is None else t if (create and t.requires_grad) else t.detach().requires_grad_(True)
              for t in inputs]
        outs = forward(*xs, **params)
        pairs = [(o, g) for o, g in zip(outs, cotangents) if g is not None]
        wrt = [x for x in xs if x is not None]
        grads = list(engine.grad([o for o, _ in pairs], wrt, [g for _, g in pairs], retain_graph=create,
                                 create_graph=create, allow_unused=True)) if pairs else [None] * len(wrt)
    out = []
    for x in xs:
        if x is None:
            out.append(None)
        else:
            g = grads.pop(0)
            out.append(nr.zeros_like(x.detach()) if g is None else g)
    return out


def _empty_if_none(grads, like):
    """A missing optional weight's gradient slot as an empty array, so every backward returns the same outputs."""
    return tuple(nr.zeros((0,), dtype=like.dtype, device=like.device) if g is None else g for g in grads)


def rnn_sequence_backward_decomposition(xw, h0, w_hh, y, gy, gh, nonlinearity, reverse):
    return tuple(_recompute_vjp(rnn_sequence_decomposition, (xw, h0, w_hh),
                                {"nonlinearity": nonlinearity, "reverse": reverse}, (gy, gh)))


def lstm_sequence_backward_decomposition(xw, h0, c0, w_hh, w_hr, y, gates, cells, gy, gh, gc, ggates, gcells,
                                         reverse):
    grads = _recompute_vjp(lstm_sequence_decomposition, (xw, h0, c0, w_hh, w_hr), {"reverse": reverse},
                           (gy, gh, gc, ggates, gcells))
    return _empty_if_none(grads, xw)


def gru_sequence_backward_decomposition(xw, h0, w_hh, b_hh, y, reserve, gy, gh, greserve, reverse):
    grads = _recompute_vjp(gru_sequence_decomposition, (xw, h0, w_hh, b_hh), {"reverse": reverse},
                           (gy, gh, greserve))
    return _empty_if_none(grads, xw)


# ---- gradient rules -------------------------------------------------------------------------------
def _needed(grads, ctx):
    """The gradients of the inputs that need one (a missing optional weight's empty slot becomes None)."""
    return tuple(g if need else None for g, need in zip(grads, ctx.needs))


def rnn_sequence_vjp(ctx, grads):
    xw, h0, w_hh = ctx.inputs
    y, _ = ctx.out
    p = ctx.params
    # while a graph is being built (create_graph) the backward must itself be differentiable: use nr ops
    backward = rnn_sequence_backward_decomposition if _grad_state.enabled else rnn_sequence_backward
    return _needed(backward(xw, h0, w_hh, y, *grads, p["nonlinearity"], p["reverse"]), ctx)


def lstm_sequence_vjp(ctx, grads):
    xw, h0, c0, w_hh, w_hr = ctx.inputs
    y, _, _, gates, cells = ctx.out
    backward = lstm_sequence_backward_decomposition if _grad_state.enabled else lstm_sequence_backward
    return _needed(backward(xw, h0, c0, w_hh, w_hr, y, gates, cells, *grads, ctx.params["reverse"]), ctx)


def gru_sequence_vjp(ctx, grads):
    xw, h0, w_hh, b_hh = ctx.inputs
    y, _, reserve = ctx.out
    backward = gru_sequence_backward_decomposition if _grad_state.enabled else gru_sequence_backward
    return _needed(backward(xw, h0, w_hh, b_hh, y, reserve, *grads, ctx.params["reverse"]), ctx)


OPS = [
    (RNN_SEQUENCE, rnn_sequence_decomposition, rnn_sequence_vjp),
    (LSTM_SEQUENCE, lstm_sequence_decomposition, lstm_sequence_vjp),
    (GRU_SEQUENCE, gru_sequence_decomposition, gru_sequence_vjp),
    (RNN_SEQUENCE_BACKWARD, rnn_sequence_backward_decomposition, None),
    (LSTM_SEQUENCE_BACKWARD, lstm_sequence_backward_decomposition, None),
    (GRU_SEQUENCE_BACKWARD, gru_sequence_backward_decomposition, None),
]
