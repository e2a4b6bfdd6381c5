"""The fused ops of issue 15 alone, forward and forward+backward, on the shapes of the shared/bench workloads:
linear (the MLP's 784->256 layer), cross-entropy (128 x 10), a 50-step LSTM/GRU layer (batch 32, 32->64),
attention (batch 16, 4 heads, 32 x 32, head dim 16; and nn.MultiheadAttention's self-attention on the
Transformer workload's tokens), batch norm (a ResNet-18 layer1 activation), layer norm (the
Transformer workload's (16, 32, 64)) and 2x2 max pooling (the CNN's first (64, 16, 28, 28) activation)."""
import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F

from ._devices import available_devices


def _arr(shape, seed, device, grad=False, scale=1.0):
    rng = np.random.default_rng(seed)
    return nr.asarray(rng.standard_normal(shape, dtype="float32") * np.float32(scale), device=device,
                      requires_grad=grad)


def _sync(t):
    float(t.reshape(-1)[0].item())


class FusedForward:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.x, self.w, self.b = _arr((128, 784), 0, device), _arr((256, 784), 1, device, scale=0.03), \
            _arr((256,), 2, device)
        self.logits = _arr((128, 10), 3, device)
        self.target = nr.asarray(np.random.default_rng(4).integers(0, 10, 128), device=device)
        self.seq = _arr((32, 50, 32), 5, device)
        nr.random.seed(0)
        self.lstm, self.gru = nn.LSTM(32, 64, batch_first=True).to(device), nn.GRU(32, 64, batch_first=True).to(device)
        self.q, self.k, self.v = (_arr((16, 4, 32, 16), 6 + i, device) for i in range(3))
        self.act = _arr((32, 64, 16, 16), 9, device)
        self.bn = nn.BatchNorm2d(64).to(device)
        self.tokens, self.ln = _arr((16, 32, 64), 10, device), nn.LayerNorm(64).to(device)
        self.maps = _arr((64, 16, 28, 28), 11, device)

    def time_linear(self, device):
        _sync(F.linear(self.x, self.w, self.b))

    def time_layer_norm(self, device):
        _sync(self.ln(self.tokens))

    def time_max_pool(self, device):
        _sync(F.max_pool2d(self.maps, 2))

    def time_cross_entropy(self, device):
        _sync(F.cross_entropy(self.logits, self.target))

    def time_lstm_sequence(self, device):
        _sync(self.lstm(self.seq)[0])

    def time_gru_sequence(self, device):
        _sync(self.gru(self.seq)[0])

    def time_attention(self, device):
        _sync(F.scaled_dot_product_attention(self.q, self.k, self.v, is_causal=True))

    def time_batch_norm(self, device):
        _sync(self.bn(self.act))


class FusedForwardBackward:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.x, self.w, self.b = _arr((128, 784), 0, device, True), _arr((256, 784), 1, device, True, 0.03), \
            _arr((256,), 2, device, True)
        self.logits = _arr((128, 10), 3, device, True)
        self.target = nr.asarray(np.random.default_rng(4).integers(0, 10, 128), device=device)
        self.seq = _arr((32, 50, 32), 5, device, True)
        nr.random.seed(0)
        self.lstm, self.gru = nn.LSTM(32, 64, batch_first=True).to(device), nn.GRU(32, 64, batch_first=True).to(device)
        self.q, self.k, self.v = (_arr((16, 4, 32, 16), 6 + i, device, True) for i in range(3))
        self.act = _arr((32, 64, 16, 16), 9, device, True)
        self.bn = nn.BatchNorm2d(64).to(device)
        self.tokens, self.ln = _arr((16, 32, 64), 10, device, True), nn.LayerNorm(64).to(device)
        self.maps = _arr((64, 16, 28, 28), 11, device, True)
        self.mha = nn.MultiheadAttention(64, 4, batch_first=True).to(device)

    def time_self_attention_packed(self, device):
        # query, key and value one array: one in-projection GEMM, heads split as views
        self._backward(self.mha(self.tokens, self.tokens, self.tokens)[0])
        _sync(self.tokens.grad)

    def time_layer_norm(self, device):
        self._backward(self.ln(self.tokens))
        _sync(self.tokens.grad)

    def time_max_pool(self, device):
        self._backward(F.max_pool2d(self.maps, 2))
        _sync(self.maps.grad)

    @staticmethod
    def _backward(y):
        y.sum().backward()

    def time_linear(self, device):
        self._backward(F.linear(self.x, self.w, self.b))
        _sync(self.w.grad)

    def time_cross_entropy(self, device):
        F.cross_entropy(self.logits, self.target).backward()
        _sync(self.logits.grad)

    def time_lstm_sequence(self, device):
        self._backward(self.lstm(self.seq)[0])
        _sync(self.seq.grad)

    def time_gru_sequence(self, device):
        self._backward(self.gru(self.seq)[0])
        _sync(self.seq.grad)

    def time_attention(self, device):
        self._backward(F.scaled_dot_product_attention(self.q, self.k, self.v, is_causal=True))
        _sync(self.q.grad)

    def time_batch_norm(self, device):
        self._backward(self.bn(self.act))
        _sync(self.act.grad)
