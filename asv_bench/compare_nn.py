"""Training-step time of nr_nn vs torch.nn on the workloads of shared/bench, side by side in one process.

MLP 784-256-128-10 (batch 128, cross-entropy, Adam), the small CNN (conv 1->16->32, batch 64, SGD momentum) and
LSTM(32->64, batch_first) on batch 32 x 50 steps with a Linear head on the last hidden state (Adam).
For each thread count, torch gets ``set_num_threads(T)`` and NumPy's BLAS is limited to T threads
(threadpoolctl); rounds alternate between the two so machine noise hits both alike, and each side's figure is
the median over rounds of the mean step time within a round. Like shared/bench/compare.py, the process runs
with glibc malloc thresholds pinned (blocks up to 32 MiB from the heap, freed memory kept), so neither side
pays page faults for re-mmapping its temporaries; ``--default-malloc`` turns that off.
Run: ``python asv_bench/compare_nn.py [--threads 1 2] [--rounds N] [--steps N]``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmarks.bench_nn import make_step  # noqa: E402

MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


def torch_lstm_classifier(nn):
    """torch twin of benchmarks.bench_nn.LSTMClassifier."""
    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 64, batch_first=True)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.fc(h[-1])
    return LSTMClassifier()


def torch_step(torch, kind: str):
    nn = torch.nn
    torch.manual_seed(0)
    rng = np.random.default_rng({"mlp": 4, "cnn": 5, "lstm": 6}[kind])
    shape = {"mlp": (128, 784), "cnn": (64, 1, 28, 28), "lstm": (32, 50, 32)}[kind]
    x = torch.from_numpy(rng.standard_normal(shape, dtype="float32"))
    y = torch.from_numpy(rng.integers(0, 10, shape[0]).astype(np.int64))
    if kind == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    elif kind == "lstm":
        model = torch_lstm_classifier(nn)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def mean_ms(step, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n * 1e3


def load_share() -> float:
    """The 1-minute load average per core: a busy machine makes the figures unreliable."""
    return os.getloadavg()[0] / (os.cpu_count() or 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--steps", type=int, default=10, help="steps per round and side")
    ap.add_argument("--workloads", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn", "lstm"])
    ap.add_argument("--default-malloc", action="store_true", help="do not pin glibc malloc thresholds")
    args = ap.parse_args()
    if not args.default_malloc and any(os.environ.get(k) != v for k, v in MALLOC_ENV.items()):
        # glibc reads these at start-up only: run again with them set
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **MALLOC_ENV})
    import torch
    from threadpoolctl import threadpool_limits
    malloc = "default" if args.default_malloc else ", ".join(f"{k}={v}" for k, v in MALLOC_ENV.items())
    print(f"malloc: {malloc}; load average per core at start: {load_share():.2f} (unreliable above ~0.5)")
    print(f"{'workload':10s} {'threads':>7s} {'nr ms':>9s} {'torch ms':>9s} {'nr/torch':>9s}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        with threadpool_limits(limits=threads):
            for kind in args.workloads:
                ours, theirs = make_step(kind), torch_step(torch, kind)
                first_nr, first_torch = float(ours().item()), float(theirs().item())
                mean_ms(ours, 3), mean_ms(theirs, 3)
                t_nr, t_torch = [], []
                for _ in range(args.rounds):
                    t_nr.append(mean_ms(ours, args.steps))
                    t_torch.append(mean_ms(theirs, args.steps))
                a, b = statistics.median(t_nr), statistics.median(t_torch)
                print(f"{kind:10s} {threads:7d} {a:9.2f} {b:9.2f} {a / b:9.2f}   "
                      f"(first loss nr {first_nr:.4f}, torch {first_torch:.4f})")
    print(f"load average per core at end: {load_share():.2f}")


if __name__ == "__main__":
    main()
