"""nr_distributed in one process (a one-rank ``threads`` group): what DDP's reducer adds to a training step
(hooks, bucket copies, the end-of-backward averaging) on the MLP and CNN workloads of bench_nn, and the
collectives' own cost on 4 MB. Multi-rank figures (MPI throughput, overlap, scaling) come from
../compare_distributed.py, which needs mpiexec."""
import numpy as np

import nr_core as nr

from ._devices import available_devices
from .bench_nn import make_step

try:
    import nr_distributed as dist
except ImportError:  # the distribution is optional
    dist = None


def _group():
    if not dist.is_initialized():
        dist.init_process_group("threads", rank=0, world_size=1, init_method="threads://asv")


class DDPStep:
    params = (available_devices(), ["mlp", "cnn"], [False, True])
    param_names = ["device", "workload", "ddp"]

    def setup(self, device, workload, ddp):
        if dist is None:
            raise NotImplementedError("nr-distributed is not installed")  # asv skips the benchmark
        _group()
        self.step = make_step(workload, device, wrap=dist.DistributedDataParallel if ddp else None)
        self.step()

    def time_step(self, device, workload, ddp):
        self.step()


class Collectives:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        if dist is None:
            raise NotImplementedError("nr-distributed is not installed")
        _group()
        self.x = nr.asarray(np.ones(1024 * 1024, dtype=np.float32), device=device)

    def time_all_reduce_4mb(self, device):
        dist.all_reduce(self.x)

    def time_broadcast_4mb(self, device):
        dist.broadcast(self.x, 0)
