"""Optimizer steps: Adam over 10 float32 tensors totalling 1M parameters (see ../compare_optim.py for torch side by
side), and the per-step Python overhead of SGD and Adam on many small tensors."""
import numpy as np

import nr_core as nr
import nr_optim

from ._devices import available_devices


def _params(shapes, device):
    rng = np.random.default_rng(0)
    params = [nr.asarray(rng.standard_normal(s, dtype=np.float32), device=device) for s in shapes]
    for p in params:
        p.grad = nr.asarray(rng.standard_normal(p.shape, dtype=np.float32), device=device)
    return params


def _sync(params):
    # device backends may run asynchronously: read one element back so the step is really done
    params[-1][0, 0].item() if params[-1].ndim == 2 else params[-1][0].item()


class AdamStep1M:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.p = _params([(250, 400)] * 10, device)
        self.adam = nr_optim.Adam(self.p, lr=1e-3)
        self.adamw_ams = nr_optim.AdamW(self.p, lr=1e-3, amsgrad=True)
        self.adam.step()
        self.adamw_ams.step()

    def time_adam(self, device):
        self.adam.step()
        _sync(self.p)

    def time_adamw_amsgrad(self, device):
        self.adamw_ams.step()
        _sync(self.p)


class SmallTensorsOverhead:
    """100 tensors of 16 elements: the fixed cost per parameter of a step."""

    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.p = _params([(16,)] * 100, device)
        self.sgd = nr_optim.SGD(self.p, lr=1e-3, momentum=0.9)
        self.adam = nr_optim.Adam(self.p, lr=1e-3)
        self.sgd.step()
        self.adam.step()

    def time_sgd_momentum(self, device):
        self.sgd.step()
        _sync(self.p)

    def time_adam(self, device):
        self.adam.step()
        _sync(self.p)


class MultiTensorVsPerTensor:
    """One step of SGD (momentum), Adam and RMSprop over the MLP's six parameters (784-256-128-10): the multi-tensor
    op (the default) against ``foreach=False`` (the per-tensor form)."""

    params = (available_devices(), [True, False])
    param_names = ["device", "foreach"]

    def setup(self, device, foreach):
        self.p = _params([(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)], device)
        self.sgd = nr_optim.SGD(self.p, lr=1e-3, momentum=0.9, foreach=foreach)
        self.adam = nr_optim.Adam(self.p, lr=1e-3, foreach=foreach)
        self.rmsprop = nr_optim.RMSprop(self.p, lr=1e-3, momentum=0.9, centered=True, foreach=foreach)
        for opt in (self.sgd, self.adam, self.rmsprop):
            opt.step()

    def time_sgd_momentum(self, device, foreach):
        self.sgd.step()
        _sync(self.p)

    def time_adam(self, device, foreach):
        self.adam.step()
        _sync(self.p)

    def time_rmsprop_centered(self, device, foreach):
        self.rmsprop.step()
        _sync(self.p)
