"""The CPU backend's own threads and blocks: large elementwise ops (same shapes and a broadcast bias), full and
per-channel sums, where on a random mask and an optimizer step on a large weight, each at the process's thread
count and at one (NR_NUM_THREADS / set_threads)."""
import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_optim as optim


class CpuThreads:
    params = [1, 2]
    param_names = ["threads"]

    def setup(self, threads):
        from nr_backend_cpu import parallel
        self._before = parallel.threads()
        parallel.set_threads(threads)
        rng = np.random.default_rng(0)
        self.a, self.b, self.c = (nr.asarray(rng.standard_normal(1 << 22, dtype="float32")) for _ in range(3))
        self.act = nr.asarray(rng.standard_normal((32, 64, 32, 32), dtype="float32"))  # a ResNet-18 layer1 map
        self.bias = nr.asarray(rng.standard_normal((1, 64, 1, 1), dtype="float32"))
        self.mask = nr.asarray(rng.random(802816) > 0.5)
        self.g = nr.asarray(rng.standard_normal(802816, dtype="float32"))
        self.w = nn.Parameter(nr.asarray(rng.standard_normal((512, 512, 3, 3), dtype="float32")))
        self.w.grad = nr.asarray(rng.standard_normal((512, 512, 3, 3), dtype="float32"))
        self.sgd = optim.SGD([self.w], lr=1e-3, momentum=0.9)
        self.adam = optim.Adam([self.w], lr=1e-3)

    def teardown(self, threads):
        from nr_backend_cpu import parallel
        parallel.set_threads(self._before)

    def time_fma_4M(self, threads):
        self.a * self.b + self.c

    def time_sum_4M(self, threads):
        nr.sum(self.a)

    def time_bias_add_2M(self, threads):
        self.act + self.bias

    def time_channel_sum_2M(self, threads):
        nr.sum(self.act, axis=(0, 2, 3))

    def time_where_random_mask(self, threads):
        nr.where(self.mask, self.g, 0.0)

    def time_sgd_momentum_2M(self, threads):
        self.sgd.step()

    def time_adam_2M(self, threads):
        self.adam.step()
