"""Mixed precision: matmul and the CNN training step of bench_nn in float32, under bfloat16 autocast and under
float16 autocast with a GradScaler, on every device; and the memory the graph holds after one forward pass (CPU
only: tracemalloc sees host buffers). On a CPU without 16-bit BLAS, 16 bits halve storage, not time."""
import contextlib
import tracemalloc

import numpy as np

import nr_core as nr
import nr_nn as nn

from ._devices import available_devices
from .bench_nn import batch, cnn_model

PRECISIONS = ["float32", "bfloat16", "float16"]


class Matmul:
    params = (available_devices(), PRECISIONS)
    param_names = ["device", "dtype"]

    def setup(self, device, dtype):
        rng = np.random.default_rng(0)
        a = nr.asarray(rng.standard_normal((256, 256), dtype="float32"), device=device)
        self.a = nr.astype(a, getattr(nr, dtype))

    def time_matmul(self, device, dtype):
        (self.a @ self.a).to_device("cpu")


def _region(device, precision):
    if precision == "float32":
        return contextlib.nullcontext()
    return nr.autocast(device.split(":")[0], dtype=getattr(nr, precision))


class CNNStep:
    params = (available_devices(), PRECISIONS)
    param_names = ["device", "precision"]

    def setup(self, device, precision):
        import nr_optim
        nr.random.seed(0)
        self.model = cnn_model().to(device)
        self.x, self.y = batch((64, 1, 28, 28), 5, device)
        self.opt = nr_optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.scaler = nr.amp.GradScaler(enabled=precision == "float16")
        self.region = lambda: _region(device, precision)
        self.loss_fn = nn.CrossEntropyLoss()
        self.time_step(device, precision)

    def time_step(self, device, precision):
        self.opt.zero_grad()
        with self.region():
            loss = self.loss_fn(self.model(self.x), self.y)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.opt)
        self.scaler.update()

    def track_activation_kib(self, device, precision):
        if not device.startswith("cpu"):
            return float("nan")
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            with self.region():
                loss = self.loss_fn(self.model(self.x), self.y)
            held = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
        del loss
        return held / 1024

    track_activation_kib.unit = "KiB"
