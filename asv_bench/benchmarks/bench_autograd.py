"""Autograd: the cost of recording (``a + b`` with ``a`` requiring grad on float32[8]; see ../compare_autograd.py
for torch side by side), a full forward/backward of a small MLP, and a second-order (Hessian-vector) product."""
import numpy as np

import nr_core as nr
import nr_autograd as ag

from ._devices import available_devices


def _arr(shape, device, seed=0, requires_grad=False):
    rng = np.random.default_rng(seed)
    return nr.asarray(rng.standard_normal(shape).astype(np.float32), device=device, requires_grad=requires_grad)


class RecordAdd:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.a = _arr((8,), device, 0, requires_grad=True)
        self.b = _arr((8,), device, 1)
        self.c = _arr((8,), device, 2)

    def time_add_recorded(self, device):
        self.a + self.b

    def time_add_not_recorded(self, device):
        self.c + self.b

    def time_chain_of_ten_recorded(self, device):
        x = self.a
        for _ in range(10):
            x = x * self.b + self.c


class MLPStep:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        sizes = (64, 128, 128, 10)
        self.params = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.params += [_arr((n_in, n_out), device, i, True), _arr((n_out,), device, 10 + i, True)]
        self.x = _arr((32, 64), device, 99)

    def time_forward_backward(self, device):
        h = self.x
        for i in range(0, len(self.params) - 2, 2):
            h = nr.tanh(h @ self.params[i] + self.params[i + 1])
        loss = nr.mean((h @ self.params[-2] + self.params[-1]) ** 2)
        loss.backward()
        for p in self.params:
            p.grad = None


class HessianVector:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.x = _arr((256,), device, 0, requires_grad=True)
        self.v = _arr((256,), device, 1)

    def time_hvp(self, device):
        (g,) = ag.grad((nr.tanh(self.x) * self.x ** 2).sum(), self.x, create_graph=True)
        ag.grad((g * self.v).sum(), self.x)
