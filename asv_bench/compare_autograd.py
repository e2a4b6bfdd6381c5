"""Side by side in one process: ``a + b`` with ``a`` requiring grad (8-element float32), forward plus graph
recording, in nr (nr_autograd) and in PyTorch CPU. Alternating rounds; prints both medians and the ratio.

Run: .venv/bin/python asv_bench/compare_autograd.py [--rounds 41] [--number 20000]
"""
from __future__ import annotations

import argparse
import statistics
import timeit

import numpy as np


def _per_call_us(fn, number: int) -> float:
    return timeit.timeit(fn, number=number) / number * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=41)
    ap.add_argument("--number", type=int, default=20000)
    args = ap.parse_args()

    import nr_core as nr
    import torch

    a = nr.asarray(np.ones(8, np.float32), requires_grad=True)
    b = nr.asarray(np.full(8, 2.0, np.float32))
    ta = torch.ones(8, dtype=torch.float32, requires_grad=True)
    tb = torch.full((8,), 2.0, dtype=torch.float32)
    if (a + b).grad_fn is None or (ta + tb).grad_fn is None:
        raise SystemExit("compare_autograd: the sum was not recorded; is nr-autograd installed?")

    def nr_add():
        return a + b

    def torch_add():
        return ta + tb

    nr_times, torch_times, ratios = [], [], []
    for _ in range(args.rounds):
        n = _per_call_us(nr_add, args.number)
        t = _per_call_us(torch_add, args.number)
        nr_times.append(n)
        torch_times.append(t)
        ratios.append(n / t)
    print(f"a + b, a.requires_grad, float32[8] (forward + recording), {args.rounds} alternating rounds "
          f"of {args.number} calls")
    print(f"  nr    median {statistics.median(nr_times):.3f} us/call (min {min(nr_times):.3f})")
    print(f"  torch median {statistics.median(torch_times):.3f} us/call (min {min(torch_times):.3f}) "
          f"[torch {torch.__version__}]")
    print(f"  ratio nr/torch: median of per-round ratios {statistics.median(ratios):.3f}, "
          f"ratio of medians {statistics.median(nr_times) / statistics.median(torch_times):.3f}")


if __name__ == "__main__":
    main()
