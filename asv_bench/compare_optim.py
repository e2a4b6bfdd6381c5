"""Adam step over 10 float32 tensors totalling 1M parameters: nr_optim vs torch.optim (default foreach), one process.

Rounds alternate between the two (so machine noise hits both alike); each side's figure is the median over
rounds of the mean step time within a round. Run: ``python asv_bench/compare_optim.py [--rounds N] [--threads T]``.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import nr_core as nr
import nr_optim

SHAPES = [(250, 400)] * 10  # 10 tensors, 1,000,000 parameters


def make_nr(device: str):
    rng = np.random.default_rng(0)
    params = [nr.asarray(rng.standard_normal(s, dtype=np.float32), device=device) for s in SHAPES]
    for p in params:
        p.grad = nr.asarray(rng.standard_normal(p.shape, dtype=np.float32), device=device)
    return nr_optim.Adam(params, lr=1e-3)


def make_torch(torch):
    gen = torch.Generator().manual_seed(0)
    params = [torch.randn(s, generator=gen, requires_grad=True) for s in SHAPES]
    for p in params:
        p.grad = torch.randn(p.shape, generator=gen)
    return torch.optim.Adam(params, lr=1e-3)


def time_steps(opt, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        opt.step()
    return (time.perf_counter() - t0) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--steps", type=int, default=10, help="steps per round and side")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    ours, theirs = make_nr(args.device), make_torch(torch)
    time_steps(ours, 3), time_steps(theirs, 3)  # warm-up: state allocation, allocator caches
    t_nr, t_torch = [], []
    for _ in range(args.rounds):
        t_nr.append(time_steps(ours, args.steps))
        t_torch.append(time_steps(theirs, args.steps))
    a, b = statistics.median(t_nr), statistics.median(t_torch)
    print(f"Adam step, 10 tensors, 1M float32 params, device {args.device}, torch threads {torch.get_num_threads()}")
    print(f"  nr_optim.Adam     {a:9.0f} us/step")
    print(f"  torch.optim.Adam  {b:9.0f} us/step")
    print(f"  ratio nr/torch    {a / b:9.2f}")


if __name__ == "__main__":
    main()
