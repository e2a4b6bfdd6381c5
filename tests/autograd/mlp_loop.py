"""A small MLP training loop (forward, backward, SGD step, drop references) and the process's RSS, shared by
test_memory.py (short) and mlp_memory_soak.py (10,000 iterations)."""
from __future__ import annotations

import os

import numpy as np

import nr_core as nr


def rss_mib() -> float:
    """Resident set size of this process in MiB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_mlp(seed: int = 0, sizes=(16, 32, 32, 1)):
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(nr.asarray(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), dtype=nr.float32,
                                 requires_grad=True))
        params.append(nr.asarray(np.zeros(n_out), dtype=nr.float32, requires_grad=True))
    x = nr.asarray(rng.standard_normal((64, sizes[0])), dtype=nr.float32)
    y = nr.asarray(rng.standard_normal((64, sizes[-1])), dtype=nr.float32)
    return params, x, y


def step(params, x, y, lr: float = 1e-3) -> float:
    h = x
    for i in range(0, len(params) - 2, 2):
        h = nr.tanh(h @ params[i] + params[i + 1])
    out = h @ params[-2] + params[-1]
    loss = nr.mean((out - y) ** 2)
    loss.backward()
    with nr.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss.item()


def run(iterations: int, checkpoints=()) -> dict[int, float]:
    """Run the loop; RSS (MiB) at each checkpoint iteration (1-based)."""
    params, x, y = make_mlp()
    marks = {}
    for i in range(1, iterations + 1):
        step(params, x, y)
        if i in checkpoints:
            marks[i] = rss_mib()
    return marks
