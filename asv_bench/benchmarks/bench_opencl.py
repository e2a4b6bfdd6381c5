"""OpenCL backend: fused elementwise, tiled matmul and an MLP training step, each also on the CPU backend.

Device timings wait for the device (pending fused expressions realised, queue drained), so they measure the
work and not only its enqueueing.
"""
import numpy as np

import nr_core as nr

from ._devices import available_devices

DEVICES = [d for d in available_devices() if d.startswith(("cpu", "opencl"))]


def _sync(x):
    if x.device.kind == "opencl":
        from nr_core.kernelgen.device.lazy import realize
        realize(x._data).rt.finish()
    return x


class FusedElementwise:
    """``a*b+c`` on 4M float32: one fused kernel on OpenCL."""

    params = DEVICES
    param_names = ["device"]

    def setup(self, device):
        rng = np.random.default_rng(0)
        self.a, self.b, self.c = (nr.asarray(rng.standard_normal(1 << 22).astype(np.float32), device=device)
                                  for _ in range(3))

    def time_fma_4M(self, device):
        _sync(self.a * self.b + self.c)

    def time_bias_relu_4M(self, device):
        _sync(nr.relu(self.a + self.b) * 0.5)


class Matmul:
    params = DEVICES
    param_names = ["device"]

    def setup(self, device):
        rng = np.random.default_rng(0)
        self.x, self.y = (nr.asarray(rng.standard_normal((1024, 1024)).astype(np.float32), device=device)
                          for _ in range(2))

    def time_matmul_1024(self, device):
        _sync(self.x @ self.y)


class Reductions:
    params = DEVICES
    param_names = ["device"]

    def setup(self, device):
        rng = np.random.default_rng(0)
        self.x = nr.asarray(rng.standard_normal((2048, 2048)).astype(np.float32), device=device)

    def time_sum_all(self, device):
        _sync(nr.sum(self.x))

    def time_sum_rows(self, device):
        _sync(nr.sum(self.x, axis=1))


class MLPStep:
    """Forward, backward and a hand-written SGD update of a 784-512-10 MLP on a batch of 256."""

    params = DEVICES
    param_names = ["device"]

    def setup(self, device):
        try:
            import nr_autograd  # noqa: F401
        except ImportError:
            raise NotImplementedError("nr_autograd is not installed")
        rng = np.random.default_rng(0)
        self.w1 = nr.asarray(rng.standard_normal((784, 512)).astype(np.float32) * 0.05, device=device,
                             requires_grad=True)
        self.w2 = nr.asarray(rng.standard_normal((512, 10)).astype(np.float32) * 0.05, device=device,
                             requires_grad=True)
        self.x = nr.asarray(rng.standard_normal((256, 784)).astype(np.float32), device=device)
        self.t = nr.asarray(np.eye(10, dtype=np.float32)[rng.integers(0, 10, 256)], device=device)

    def time_step(self, device):
        h = nr.relu(self.x @ self.w1) @ self.w2
        loss = -nr.mean(nr.sum(self.t * (h - nr.logsumexp(h, axis=1, keepdims=True)), axis=1))
        loss.backward()
        with nr.no_grad():
            for p in (self.w1, self.w2):
                p -= 0.01 * p.grad
                p.grad = None
        _sync(self.w2)
