"""The CPU backend's compiled host kernels against the NumPy forms they replace (NR_NATIVE=0), on the reference
workloads' shapes: an LSTM and a GRU layer's forward and backward, an Adam and an SGD step on the MLP's parameters, batch norm on a
ResNet-18 layer1 map, max pooling's gradient, and the shifted unit-stride convolution against its columns form."""
import os

import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F
import nr_optim as optim


class CpuNative:
    params = ["compiled", "numpy"]
    param_names = ["form"]

    def setup(self, form):
        self._before = os.environ.get("NR_NATIVE")
        os.environ["NR_NATIVE"] = "1" if form == "compiled" else "0"
        from nr_nn.ops import ndarray_conv
        self._conv = ndarray_conv._shifted
        if form == "numpy":
            ndarray_conv._shifted = lambda *a: False
        rng = np.random.default_rng(0)
        self.lstm = nn.LSTM(32, 64, batch_first=True)
        self.gru = nn.GRU(32, 64, batch_first=True)
        self.seq = nr.asarray(rng.standard_normal((32, 50, 32), dtype="float32"))
        mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        for p in mlp.parameters():
            p.grad = nr.asarray(rng.standard_normal(p.shape, dtype="float32"))
        self.adam = optim.Adam(mlp.parameters(), lr=1e-3)
        self.sgd = optim.SGD(mlp.parameters(), lr=1e-3, momentum=0.9)
        self.bn = nn.BatchNorm2d(64)
        self.act = nr.asarray(rng.standard_normal((32, 64, 16, 16), dtype="float32"), requires_grad=True)
        self.pool_in = nr.asarray(rng.standard_normal((32, 64, 32, 32), dtype="float32"), requires_grad=True)
        self.w = nr.asarray(rng.standard_normal((64, 64, 3, 3), dtype="float32") * 0.05, requires_grad=True)

    def teardown(self, form):
        from nr_nn.ops import ndarray_conv
        ndarray_conv._shifted = self._conv
        if self._before is None:
            os.environ.pop("NR_NATIVE", None)
        else:
            os.environ["NR_NATIVE"] = self._before

    def time_lstm_forward_backward(self, form):
        _, (h, _) = self.lstm(self.seq)
        h.sum().backward()

    def time_gru_forward_backward(self, form):
        _, h = self.gru(self.seq)
        h.sum().backward()

    def time_adam_step_mlp(self, form):
        self.adam.step()

    def time_sgd_momentum_step_mlp(self, form):
        self.sgd.step()

    def time_batch_norm_forward_backward(self, form):
        self.bn(self.act).sum().backward()

    def time_max_pool_3x3_stride2_forward_backward(self, form):
        F.max_pool2d(self.pool_in, 3, stride=2, padding=1).sum().backward()

    def time_conv_64_16x16_forward_backward(self, form):
        F.conv2d(self.act, self.w, padding=1).sum().backward()
