"""The fused LSTM cell (gate activations and state update in one op) and its backward, an op of its own so
that a backend can fuse both; the third output keeps the activated gates the backward reads."""
from __future__ import annotations

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.grad_mode import state as _grad_state
from nr_core.optable import OpDef
from nr_core.amp import autocast_policy

from ..functional._checks import floating, same

# (h, c, activated gates): the gates are the backward's saved workspace, like cuDNN's reserve space
LSTM_CELL = OpDef("lstm_cell", "nn", 2, "real floating-point", primitive=False, nout=3)
# its gradient is the decomposition below, which lstm_cell_vjp runs instead whenever a graph is being built
LSTM_CELL_BACKWARD = OpDef("lstm_cell_backward", "nn", 5, "real floating-point", differentiable=False,
                           primitive=False, nout=2)


@autocast_policy("lstm_cell", "low")
def lstm_cell(gates, c_prev):
    """One LSTM step from the pre-activation gates ``(..., 4H)`` (torch's order i, f, g, o) and the previous
    cell state ``(..., H)``: ``c = f*c_prev + i*g``, ``h = o*tanh(c)``. Returns ``(h, c, act)`` where ``act``
    holds sigmoid(i), sigmoid(f), tanh(g), sigmoid(o) side by side."""
    floating(gates, "lstm_cell", "gates")
    same("lstm_cell", gates, c_prev)
    if c_prev.ndim != gates.ndim or gates.shape[:-1] != c_prev.shape[:-1] or gates.shape[-1] != 4 * c_prev.shape[-1]:
        raise ValueError(f"lstm_cell: gates must have shape (..., 4*H) for a cell state (..., H), got gates "
                         f"{gates.shape} and c_prev {c_prev.shape}")
    return apply(LSTM_CELL, (gates, c_prev), {}, gates.dtype)


def lstm_cell_backward(act, c_prev, c, gh, gc):
    """(gradient of the gates, gradient of c_prev) from the saved ``act`` and ``c`` and the gradients of h, c."""
    return apply(LSTM_CELL_BACKWARD, (act, c_prev, c, gh, gc), {}, act.dtype)


def _split(x, n):
    return x[..., :n], x[..., n:2 * n], x[..., 2 * n:3 * n], x[..., 3 * n:]


def lstm_cell_decomposition(gates, c_prev):
    zi, zf, zg, zo = _split(gates, c_prev.shape[-1])
    i, f, g, o = nr.sigmoid(zi), nr.sigmoid(zf), nr.tanh(zg), nr.sigmoid(zo)
    c = f * c_prev + i * g
    return o * nr.tanh(c), c, nr.concat([i, f, g, o], axis=-1)


def lstm_cell_backward_decomposition(act, c_prev, c, gh, gc):
    i, f, g, o = _split(act, c.shape[-1])
    tc = nr.tanh(c)
    dc = gc + gh * o * (1.0 - tc * tc)
    dgates = nr.concat([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f), dc * i * (1.0 - g * g),
                        gh * tc * o * (1.0 - o)], axis=-1)
    return dgates, dc * f


def _activation_slope(act, n):
    """d act / d gates, elementwise: s(1-s) for the sigmoid gates, 1-t^2 for the tanh gate."""
    i, f, g, o = _split(act, n)
    return nr.concat([i * (1.0 - i), f * (1.0 - f), 1.0 - g * g, o * (1.0 - o)], axis=-1)


def lstm_cell_vjp(ctx, grads):
    gh, gc, gact = grads
    c_prev = ctx.inputs[1]
    _, c, act = ctx.out
    gh = nr.zeros_like(c) if gh is None else gh
    gc = nr.zeros_like(c) if gc is None else gc
    # while a graph is being built (create_graph) the backward must itself be differentiable: use nr ops
    backward = lstm_cell_backward_decomposition if _grad_state.enabled else lstm_cell_backward
    dgates, dc_prev = backward(act, c_prev, c, gh, gc)
    if gact is not None:
        dgates = dgates + gact * _activation_slope(act, c.shape[-1])
    return dgates, dc_prev


OPS = [
    (LSTM_CELL, lstm_cell_decomposition, lstm_cell_vjp),
    (LSTM_CELL_BACKWARD, lstm_cell_backward_decomposition, None),
]
