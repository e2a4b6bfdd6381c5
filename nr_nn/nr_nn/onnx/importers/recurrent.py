"""``LSTM``, ``GRU`` and ``RNN`` (ONNX gate orders and layouts) unrolled over time in nr ops."""
from __future__ import annotations

import nr_core as nr

from ...ops.rnn import lstm_cell
from ._base import impl, ints


def _directions(a):
    d = a.get("direction", "forward")
    d = d.decode() if isinstance(d, bytes) else d
    return {"forward": [False], "reverse": [True], "bidirectional": [False, True]}[d]


def _rnn_common(a, x, seq_lens, name):
    if seq_lens is not None and len(set(ints(seq_lens))) > 1:
        raise ValueError(f"{name}: sequence_lens of different lengths are not supported")
    if a.get("clip") is not None:
        raise ValueError(f"{name}: clip is not supported")
    layout = a.get("layout", 0)
    return nr.permute_dims(x, (1, 0, 2)) if layout else x, layout


def _rnn_outputs(ctx, seqs, finals, layout):
    y = nr.stack(seqs, axis=1)  # (T, dirs, N, H)
    if layout:
        y = nr.permute_dims(y, (2, 0, 1, 3))
        finals = [nr.permute_dims(nr.stack(f, axis=0), (1, 0, 2)) for f in finals]
    else:
        finals = [nr.stack(f, axis=0) for f in finals]
    return (y, *finals)[:max(ctx.n_out, 1)]


@impl("LSTM")
def _lstm(ctx, a, x, w, r, b=None, seq_lens=None, h0=None, c0=None, p=None):
    if a.get("input_forget", 0):
        raise ValueError("LSTM: input_forget=1 is not supported")
    acts = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", [])]
    if acts and any(s.lower() != d for s, d in zip(acts, ["sigmoid", "tanh", "tanh"] * 2)):
        raise ValueError(f"LSTM: activations {acts} are not supported (sigmoid, tanh, tanh only)")
    x, layout = _rnn_common(a, x, seq_lens, "LSTM")
    hidden = a.get("hidden_size", r.shape[-1])
    n = x.shape[1]
    if layout:
        h0 = None if h0 is None else nr.permute_dims(h0, (1, 0, 2))
        c0 = None if c0 is None else nr.permute_dims(c0, (1, 0, 2))
    order = [0, 2, 3, 1]  # ONNX gates i, o, f, c -> the cell's i, f, g, o
    seqs, hs, cs = [], [], []
    for d, backward in enumerate(_directions(a)):
        wd = nr.concat([w[d][k * hidden:(k + 1) * hidden] for k in order], axis=0)
        rd = nr.concat([r[d][k * hidden:(k + 1) * hidden] for k in order], axis=0)
        gx = nr.matmul(x, wd.mT)
        if b is not None:
            bd = b[d][:4 * hidden] + b[d][4 * hidden:]
            gx = gx + nr.concat([bd[k * hidden:(k + 1) * hidden] for k in order], axis=0)
        h = nr.zeros((n, hidden), dtype=x.dtype, device=x.device) if h0 is None else h0[d]
        c = nr.zeros((n, hidden), dtype=x.dtype, device=x.device) if c0 is None else c0[d]
        steps = range(x.shape[0] - 1, -1, -1) if backward else range(x.shape[0])
        outs = [None] * x.shape[0]
        for t in steps:
            gates = gx[t] + nr.matmul(h, rd.mT)
            if p is None:
                h, c, _ = lstm_cell(gates, c)
            else:  # peepholes (P: i, o, f) see the cell state, so the fused cell does not apply
                pi, po, pf = p[d][:hidden], p[d][hidden:2 * hidden], p[d][2 * hidden:]
                H = hidden
                i = nr.sigmoid(gates[:, :H] + pi * c)
                f = nr.sigmoid(gates[:, H:2 * H] + pf * c)
                c = f * c + i * nr.tanh(gates[:, 2 * H:3 * H])
                h = nr.sigmoid(gates[:, 3 * H:] + po * c) * nr.tanh(c)
            outs[t] = h
        seqs.append(nr.stack(outs, axis=0))
        hs.append(h)
        cs.append(c)
    return _rnn_outputs(ctx, seqs, [hs, cs], layout)


@impl("GRU")
def _gru(ctx, a, x, w, r, b=None, seq_lens=None, h0=None):
    acts = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", [])]
    if acts and any(s.lower() != d for s, d in zip(acts, ["sigmoid", "tanh"] * 2)):
        raise ValueError(f"GRU: activations {acts} are not supported (sigmoid, tanh only)")
    x, layout = _rnn_common(a, x, seq_lens, "GRU")
    hidden = a.get("hidden_size", r.shape[-1])
    before = a.get("linear_before_reset", 0)
    n = x.shape[1]
    if layout and h0 is not None:
        h0 = nr.permute_dims(h0, (1, 0, 2))
    seqs, hs = [], []
    H = hidden
    for d, backward in enumerate(_directions(a)):
        gx = nr.matmul(x, w[d].mT)  # gates z, r, h
        wb = rb = None
        if b is not None:
            wb, rb = b[d][:3 * H], b[d][3 * H:]
            gx = gx + wb
        rd = r[d]
        h = nr.zeros((n, H), dtype=x.dtype, device=x.device) if h0 is None else h0[d]
        outs = [None] * x.shape[0]
        for t in (range(x.shape[0] - 1, -1, -1) if backward else range(x.shape[0])):
            g = gx[t]
            hr = nr.matmul(h, rd[:2 * H].mT)
            if rb is not None:
                hr = hr + rb[:2 * H]
            z = nr.sigmoid(g[:, :H] + hr[:, :H])
            rr = nr.sigmoid(g[:, H:2 * H] + hr[:, H:2 * H])
            if before:
                hh = nr.matmul(h, rd[2 * H:].mT)
                if rb is not None:
                    hh = hh + rb[2 * H:]
                cand = nr.tanh(g[:, 2 * H:] + rr * hh)
            else:
                hh = nr.matmul(rr * h, rd[2 * H:].mT)
                if rb is not None:
                    hh = hh + rb[2 * H:]
                cand = nr.tanh(g[:, 2 * H:] + hh)
            h = (1.0 - z) * cand + z * h
            outs[t] = h
        seqs.append(nr.stack(outs, axis=0))
        hs.append(h)
    return _rnn_outputs(ctx, seqs, [hs], layout)


@impl("RNN")
def _rnn(ctx, a, x, w, r, b=None, seq_lens=None, h0=None):
    acts = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", ["Tanh", "Tanh"])]
    fns = {"tanh": nr.tanh, "relu": nr.relu, "sigmoid": nr.sigmoid}
    x, layout = _rnn_common(a, x, seq_lens, "RNN")
    H = a.get("hidden_size", r.shape[-1])
    n = x.shape[1]
    if layout and h0 is not None:
        h0 = nr.permute_dims(h0, (1, 0, 2))
    seqs, hs = [], []
    for d, backward in enumerate(_directions(a)):
        act = fns[acts[min(d, len(acts) - 1)].lower()]
        gx = nr.matmul(x, w[d].mT)
        if b is not None:
            gx = gx + b[d][:H] + b[d][H:]
        h = nr.zeros((n, H), dtype=x.dtype, device=x.device) if h0 is None else h0[d]
        outs = [None] * x.shape[0]
        for t in (range(x.shape[0] - 1, -1, -1) if backward else range(x.shape[0])):
            h = act(gx[t] + nr.matmul(h, r[d].mT))
            outs[t] = h
        seqs.append(nr.stack(outs, axis=0))
        hs.append(h)
    return _rnn_outputs(ctx, seqs, [hs], layout)
