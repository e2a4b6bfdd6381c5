"""Recurrent layers RNN, LSTM, GRU (multi-layer, bidirectional, batch_first) and their cells, with torch's
parameter names (``weight_ih_l0``, ``weight_hh_l0_reverse``, ``bias_ih_l1`` …) and gate orders."""
from __future__ import annotations

import math

import nr_core as nr

from .. import functional as F
from .. import init
from ..module import Module
from ..ops.linear import linear
from ..ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence
from ..ops.rnn import lstm_cell
from ._factory import empty_param

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(mode):
    act = nr.tanh if mode == "RNN_TANH" else nr.relu

    def step(xw, h, w_hh, b_hh):
        g = nr.matmul(h, w_hh.mT) + xw
        return act(g if b_hh is None else g + b_hh)
    return step


def _gru_step(xw, h, w_hh, b_hh):
    gh = nr.matmul(h, w_hh.mT)
    if b_hh is not None:
        gh = gh + b_hh
    n = gh.shape[-1] // 3
    r = nr.sigmoid(xw[..., 0:n] + gh[..., 0:n])
    z = nr.sigmoid(xw[..., n:2 * n] + gh[..., n:2 * n])
    cand = nr.tanh(xw[..., 2 * n:] + r * gh[..., 2 * n:])
    return (1.0 - z) * cand + z * h


class RNNBase(Module):
    """Shared parameters and the forward of RNN, LSTM and GRU: per layer and direction, one sequence op."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        if num_layers < 1 or hidden_size < 1:
            raise ValueError(f"{name}: hidden_size and num_layers must be positive, got {hidden_size}, {num_layers}")
        if proj_size and (mode != "LSTM" or not 0 < proj_size < hidden_size):
            raise ValueError(f"{name}: proj_size must be in (0, hidden_size) and is for LSTM only, got {proj_size}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        dirs = 2 if bidirectional else 1
        gate = _GATES[mode] * hidden_size
        real_hidden = proj_size or hidden_size
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                in_size = input_size if layer == 0 else real_hidden * dirs
                setattr(self, "weight_ih" + sfx, empty_param((gate, in_size), device, dtype))
                setattr(self, "weight_hh" + sfx, empty_param((gate, real_hidden), device, dtype))
                if bias:
                    setattr(self, "bias_ih" + sfx, empty_param((gate,), device, dtype))
                    setattr(self, "bias_hh" + sfx, empty_param((gate,), device, dtype))
                if proj_size:
                    setattr(self, "weight_hr" + sfx, empty_param((proj_size, hidden_size), device, dtype))
        self.reset_parameters()

    def flatten_parameters(self) -> None:
        """PyTorch's cuDNN weight compaction; nr's recurrent layers keep no packed copy, so there is nothing to do."""

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer: int, d: int):
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        get = self._parameters.get
        return get("weight_ih" + sfx), get("weight_hh" + sfx), get("bias_ih" + sfx), get("bias_hh" + sfx), \
            get("weight_hr" + sfx)

    def _check(self, x, hx_shape):
        name = type(self).__name__
        if not isinstance(x, nr.Tensor) or x.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 2-D (unbatched) or 3-D input, got "
                             f"{x.shape if isinstance(x, nr.Tensor) else type(x).__name__}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input feature size {x.shape[-1]} does not match input_size={self.input_size} "
                             f"(input {x.shape})")

    def _hidden(self, hx, n, size, x, what):
        dirs = 2 if self.bidirectional else 1
        shape = (self.num_layers * dirs, n, size)
        if hx is None:
            return nr.zeros(shape, dtype=x.dtype, device=x.device)
        if hx.shape != shape:
            raise ValueError(f"{type(self).__name__}: expected {what} of shape {shape}, got {hx.shape}")
        return hx

    def forward(self, input, hx=None):
        self._check(input, None)
        batched = input.ndim == 3
        x = input if batched else nr.expand_dims(input, axis=1)
        if batched and self.batch_first:
            x = nr.permute_dims(x, (1, 0, 2))
        if not batched and hx is not None:
            hx = tuple(nr.expand_dims(h, axis=1) for h in hx) if isinstance(hx, tuple) else nr.expand_dims(hx, axis=1)
        n = x.shape[1]
        real_hidden = self.proj_size or self.hidden_size
        if self.mode == "LSTM":
            h0, c0 = (None, None) if hx is None else hx
            h0 = self._hidden(h0, n, real_hidden, x, "h_0")
            c0 = self._hidden(c0, n, self.hidden_size, x, "c_0")
        else:
            h0 = self._hidden(hx, n, real_hidden, x, "h_0")
        dirs = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                state = (h0[k], c0[k]) if self.mode == "LSTM" else h0[k]
                seq, state = self._run_direction(x, state, layer, d)
                outs.append(seq)
                if self.mode == "LSTM":
                    h_n.append(state[0])
                    c_n.append(state[1])
                else:
                    h_n.append(state)
            x = outs[0] if dirs == 1 else nr.concat(outs, axis=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        out = x
        if batched and self.batch_first:
            out = nr.permute_dims(out, (1, 0, 2))
        h = nr.stack(h_n, axis=0)
        c = nr.stack(c_n, axis=0) if self.mode == "LSTM" else None
        if not batched:
            out, h = out[:, 0], h[:, 0]
            c = None if c is None else c[:, 0]
        return (out, (h, c)) if self.mode == "LSTM" else (out, h)

    def _run_direction(self, x, state, layer, d):
        """One layer in one direction: the input projection of every step in one GEMM (with the biases that add
        there), then the whole time loop in one sequence op."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, d)
        reverse = bool(d)
        if self.mode == "GRU":
            y, h, _ = gru_sequence(linear(x, w_ih, b_ih), state, w_hh, b_hh, reverse)
            return y, h
        # LSTM and Elman RNN: b_hh adds where b_ih does, so both go in once for the whole sequence
        xw = linear(x, w_ih, None if b_ih is None else b_ih + b_hh)
        if self.mode == "LSTM":
            y, h, c, _, _ = lstm_sequence(xw, state[0], state[1], w_hh, w_hr, reverse)
            return y, (h, c)
        return rnn_sequence(xw, state, w_hh, "tanh" if self.mode == "RNN_TANH" else "relu", reverse)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTM(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate = self._gates * hidden_size
        self.weight_ih = empty_param((gate, input_size), device, dtype)
        self.weight_hh = empty_param((gate, hidden_size), device, dtype)
        if bias:
            self.bias_ih = empty_param((gate,), device, dtype)
            self.bias_hh = empty_param((gate,), device, dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _xw(self, input):
        xw = nr.matmul(input, self.weight_ih.mT)
        return xw if self.bias_ih is None else xw + self.bias_ih

    def _zeros(self, input):
        return nr.zeros(input.shape[:-1] + (self.hidden_size,), dtype=input.dtype, device=input.device)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _rnn_step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU")(
            self._xw(input), hx, self.weight_hh, self.bias_hh)


class LSTMCell(_CellBase):
    _gates = 4

    def forward(self, input, hx=None):
        h, c = (self._zeros(input), self._zeros(input)) if hx is None else hx
        gates = self._xw(input) + nr.matmul(h, self.weight_hh.mT)
        h, c, _ = lstm_cell(gates if self.bias_hh is None else gates + self.bias_hh, c)
        return h, c


class GRUCell(_CellBase):
    _gates = 3

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _gru_step(self._xw(input), hx, self.weight_hh, self.bias_hh)
