"""Kit samples of the sequence-level recurrent ops, with NumPy references written from the textbook equations
(sigmoid as ``1 / (1 + exp(-z))``), and the backward ops' references as central differences of those."""
from __future__ import annotations

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def rnn_ref(xw, h0, w_hh, nonlinearity, reverse):
    y, h = np.zeros(xw.shape), h0.astype(np.float64)
    for t in _steps(len(xw), reverse):
        z = xw[t] + h @ w_hh.T
        h = y[t] = np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0.0)
    return y.astype(xw.dtype), h.astype(xw.dtype)


def lstm_ref(xw, h0, c0, w_hh, w_hr, reverse):
    n = c0.shape[-1]
    steps = len(xw)
    y, gates, cells = np.zeros((steps,) + h0.shape), np.zeros(xw.shape), np.zeros((steps,) + c0.shape)
    h, c = h0.astype(np.float64), c0.astype(np.float64)
    for t in _steps(steps, reverse):
        z = xw[t] + h @ w_hh.T
        i, f, g, o = _sigmoid(z[:, :n]), _sigmoid(z[:, n:2 * n]), np.tanh(z[:, 2 * n:3 * n]), _sigmoid(z[:, 3 * n:])
        c = f * c + i * g
        h = o * np.tanh(c)
        if w_hr is not None:
            h = h @ w_hr.T
        y[t], gates[t], cells[t] = h, np.concatenate([i, f, g, o], axis=-1), c
    return tuple(a.astype(xw.dtype) for a in (y, h, c, gates, cells))


def gru_ref(xw, h0, w_hh, b_hh, reverse):
    n = h0.shape[-1]
    steps = len(xw)
    y, reserve = np.zeros((steps,) + h0.shape), np.zeros((steps, h0.shape[0], 4 * n))
    h = h0.astype(np.float64)
    for t in _steps(steps, reverse):
        gh = h @ w_hh.T + (0.0 if b_hh is None else b_hh)
        r = _sigmoid(xw[t][:, :n] + gh[:, :n])
        z = _sigmoid(xw[t][:, n:2 * n] + gh[:, n:2 * n])
        cand = np.tanh(xw[t][:, 2 * n:] + r * gh[:, 2 * n:])
        h = y[t] = (1.0 - z) * cand + z * h
        reserve[t] = np.concatenate([r, z, cand, gh[:, 2 * n:]], axis=-1)
    return tuple(a.astype(xw.dtype) for a in (y, h, reserve))


def _fd_vjp(fn, inputs, cotangents, h=1e-6):
    """sum_k <cotangent_k, d out_k / d input> by central differences in float64, for each input (None: an empty
    array, the slot of a missing optional weight)."""
    wide = [None if a is None else a.astype(np.float64) for a in inputs]

    def loss():
        outs = fn(*wide)
        return sum(float(np.sum(o.astype(np.float64) * g)) for o, g in zip(outs, cotangents) if g is not None)

    grads = []
    for a in wide:
        if a is None:
            grads.append(np.zeros((0,)))
            continue
        flat, out = a.reshape(-1), np.zeros(a.size)
        for j in range(a.size):
            keep = flat[j]
            flat[j] = keep + h
            hi = loss()
            flat[j] = keep - h
            lo = loss()
            flat[j] = keep
            out[j] = (hi - lo) / (2 * h)
        grads.append(out.reshape(a.shape))
    return grads


def _backward_ref(forward_ref, n_inputs, n_saved):
    """The reference of a backward op called as (*inputs, *saved outputs, *cotangents, **params)."""
    def ref(*args, **params):
        inputs, cotangents = args[:n_inputs], args[n_inputs + n_saved:]
        grads = _fd_vjp(lambda *xs: forward_ref(*xs, **params), inputs, cotangents)
        return tuple(g.astype(args[0].dtype) for g in grads)
    return ref


# (T, N, H, nonlinearity, reverse); the first two float64 ones feed gradgradcheck: keep them tiny
_RNN = [(2, 1, 2, "tanh", False), (2, 1, 2, "tanh", True), (3, 2, 3, "relu", True)]
# (T, N, H, proj or None, reverse)
_LSTM = [(2, 1, 2, None, False), (2, 1, 2, None, True), (3, 2, 3, 2, False), (3, 2, 2, None, True)]
# (T, N, H, with b_hh, reverse)
_GRU = [(2, 1, 2, True, False), (2, 1, 2, False, True), (3, 2, 3, True, True)]


def _tolerances(dt):
    from nr_core import dtypes as _d
    return (1e-4, 1e-5) if dt is _d.float32 else (1e-6, 1e-8)


def recurrent_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample, values

    from . import recurrent as ops
    family = name.split("_")[0]
    backward = name.endswith("_backward")
    backward_of = {"rnn": ops.rnn_sequence_backward, "lstm": ops.lstm_sequence_backward,
                   "gru": ops.gru_sequence_backward}
    cases = {"rnn": _RNN, "lstm": _LSTM, "gru": _GRU}[family]
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        rtol, atol = _tolerances(dt)
        for i, (steps, n_batch, hidden, opt, reverse) in enumerate(cases):
            key = (family, i)
            gate = {"rnn": 1, "lstm": 4, "gru": 3}[family]
            size = opt if family == "lstm" and opt else hidden
            xw = values((steps, n_batch, gate * hidden), dt, -2.0, 2.0, key=key + ("xw",))
            h0 = values((n_batch, size), dt, -1.0, 1.0, key=key + ("h0",))
            w_hh = values((gate * hidden, size), dt, -0.8, 0.8, key=key + ("w",))
            label = f"{dt.name}-{i}"
            if family == "rnn":
                inputs, params = (xw, h0, w_hh), {"nonlinearity": opt, "reverse": reverse}
                call, ref, smooth = ops.rnn_sequence, rnn_ref, opt == "tanh"
            elif family == "lstm":
                c0 = values((n_batch, hidden), dt, -1.0, 1.0, key=key + ("c0",))
                w_hr = values((opt, hidden), dt, -0.8, 0.8, key=key + ("wr",)) if opt else None
                inputs, params = (xw, h0, c0, w_hh, w_hr), {"reverse": reverse}
                call, ref, smooth = ops.lstm_sequence, lstm_ref, True
            else:
                b_hh = values((3 * hidden,), dt, -0.5, 0.5, key=key + ("b",)) if opt else None
                inputs, params = (xw, h0, w_hh, b_hh), {"reverse": reverse}
                call, ref, smooth = ops.gru_sequence, gru_ref, True
            if not backward:
                yield Sample(name, inputs, params, call=call, ref=ref, label=label, grad=smooth, rtol=rtol, atol=atol)
                continue
            outs = ref(*inputs, **params)
            saved = (outs[0],) + (outs[3:] if family == "lstm" else outs[2:])  # y and the reserve
            # sample 0 leaves the per-step outputs without a gradient (a classifier on h_n), sample 1 the reserve
            reserve_from = 3 if family == "lstm" else 2
            cot = tuple(None if (i == 0 and k == 0) or (i == 1 and k >= reserve_from) else
                        values(o.shape, dt, key=key + ("g", k)) for k, o in enumerate(outs))
            yield Sample(name, inputs + saved + cot, params, call=backward_of[family],
                         ref=_backward_ref(ref, len(inputs), len(saved)), label=label, grad=False, rtol=rtol * 10,
                         atol=atol * 10)


SAMPLES = {name: recurrent_samples for name in (
    "rnn_sequence", "lstm_sequence", "gru_sequence", "rnn_sequence_backward", "lstm_sequence_backward",
    "gru_sequence_backward")}
