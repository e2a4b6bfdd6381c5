"""Convolution-heavy training (see ../compare_conv.py for PyTorch side by side, each in its own process): a ResNet-18
step (batch 32, 3x64x64, 1000 classes, SGD momentum 0.9) and a 512->512 3x3 convolution on (128, 512, 2, 2),
forward and backward; and the three conv ops alone on one ResNet stage's shapes."""
import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F
import nr_optim
from nr_nn.ops import conv as conv_ops

from ._devices import available_devices
from .resnet import resnet18


def _arr(shape, seed, device, scale=1.0):
    rng = np.random.default_rng(seed)
    return nr.asarray(rng.standard_normal(shape, dtype="float32") * np.float32(scale), device=device)


def resnet18_step(device: str):
    """A closure running one ResNet-18 training step on the same draws as compare_conv.py's torch side."""
    nr.random.seed(0)
    rng = np.random.default_rng(0)
    x = nr.asarray(rng.standard_normal((32, 3, 64, 64), dtype="float32"), device=device)
    y = nr.asarray(rng.integers(0, 1000, 32).astype(np.int64), device=device)
    model = resnet18(nn).to(device)
    opt = nr_optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def conv512_step(device: str):
    """Forward and backward of a 512->512 3x3 convolution (padding 1) on (128, 512, 2, 2)."""
    rng = np.random.default_rng(0)
    x = nr.asarray(rng.standard_normal((128, 512, 2, 2), dtype="float32"), device=device, requires_grad=True)
    w = nr.asarray(rng.standard_normal((512, 512, 3, 3), dtype="float32") * np.float32(0.02), device=device,
                   requires_grad=True)

    def step():
        y = F.conv2d(x, w, padding=1)
        y.backward(nr.ones_like(y))
        return y
    return step


def _sync(t):
    float(t.reshape(-1)[0].item())


class ConvTraining:
    params = (available_devices(), ["resnet18", "conv512"])
    param_names = ["device", "workload"]
    timeout = 300

    def setup(self, device, workload):
        self.step = (resnet18_step if workload == "resnet18" else conv512_step)(device)
        self.step()

    def time_step(self, device, workload):
        _sync(self.step())

    def peakmem_step(self, device, workload):
        self.step()


class ConvOps:
    """conv, conv_weight_grad and conv_transpose on layer2 of the ResNet step: (32, 128, 8, 8), 3x3, padding 1."""

    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.x = _arr((32, 128, 8, 8), 0, device)
        self.w = _arr((128, 128, 3, 3), 1, device, 0.05)
        self.gy = _arr((32, 128, 8, 8), 2, device)
        self.geom = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)

    def time_conv(self, device):
        _sync(conv_ops.conv(self.x, self.w, *self.geom))

    def time_conv_weight_grad(self, device):
        _sync(conv_ops.conv_weight_grad(self.x, self.gy, self.w.shape, *self.geom))

    def time_conv_transpose(self, device):
        _sync(conv_ops.conv_transpose(self.gy, self.w, *self.geom))
