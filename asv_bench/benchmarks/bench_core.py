"""Core ops: per-op dispatch overhead on tiny arrays, and throughput of elementwise, matmul and reductions."""
import numpy as np

import nr_core as nr

from ._devices import available_devices


class OpOverhead:
    """``a + b`` on 8 float32 elements: the cost of the frontend and dispatcher (compare NumPy's own add)."""

    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        self.a = nr.asarray(np.ones(8, np.float32), device=device)
        self.b = nr.asarray(np.ones(8, np.float32), device=device)
        self.na, self.nb = np.ones(8, np.float32), np.ones(8, np.float32)

    def time_nr_add(self, device):
        self.a + self.b

    def time_numpy_add(self, device):
        self.na + self.nb


class Throughput:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        rng = np.random.default_rng(0)
        n = 1 << 22
        self.a, self.b, self.c = (nr.asarray(rng.standard_normal(n, dtype=np.float32), device=device)
                                  for _ in range(3))
        self.m1, self.m2 = (nr.asarray(rng.standard_normal((1024, 1024), dtype=np.float32), device=device)
                            for _ in range(2))

    def time_fma_4M(self, device):
        (self.a * self.b + self.c).numpy() if device != "cpu" else self.a * self.b + self.c

    def time_matmul_1024(self, device):
        (self.m1 @ self.m2).numpy() if device != "cpu" else self.m1 @ self.m2

    def time_sum_4M(self, device):
        nr.sum(self.a).item()


class ProfilerOff:
    """A profile that has ended leaves nothing behind: ``a + b`` after one costs what it cost before (compare
    ``OpOverhead.time_nr_add``); ``time_add_profiled`` is the price while recording."""

    def setup(self):
        self.a = nr.asarray(np.ones(8, np.float32))
        self.b = nr.asarray(np.ones(8, np.float32))
        with nr.profiler.profile():
            self.a + self.b

    def time_add_after_profiling(self):
        self.a + self.b

    def time_add_profiled(self):
        with nr.profiler.profile():
            self.a + self.b
