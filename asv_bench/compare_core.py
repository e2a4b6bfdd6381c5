"""Dispatch overhead side by side in one process: ``a + b`` on 8 float32 elements, nr vs NumPy vs torch (1 thread).

Rounds alternate between the three so drift on this shared machine hits all alike; medians are reported.
Run: .venv/bin/python asv_bench/compare_core.py [--rounds 15]
"""
import argparse
import statistics
import time

import numpy as np

import nr_core as nr


def per_call_us(fn, inner: int) -> float:
    t = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t) / inner * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--inner", type=int, default=20000)
    args = ap.parse_args()
    na, nb = np.ones(8, np.float32), np.ones(8, np.float32)
    a, b = nr.asarray(na.copy()), nr.asarray(nb.copy())
    cases = {"nr": lambda: a + b, "numpy": lambda: na + nb}
    try:
        import torch
        torch.set_num_threads(1)
        ta, tb = torch.ones(8), torch.ones(8)
        cases["torch"] = lambda: ta + tb
    except ImportError:
        print("torch not installed: torch column skipped")
    samples = {k: [] for k in cases}
    for fn in cases.values():
        per_call_us(fn, 2000)  # warm-up
    for _ in range(args.rounds):
        for name, fn in cases.items():
            samples[name].append(per_call_us(fn, args.inner))
    med = {k: statistics.median(v) for k, v in samples.items()}
    for k, v in med.items():
        print(f"{k:6s} a + b (8 x float32): {v:.3f} us")
    print(f"nr/numpy = {med['nr'] / med['numpy']:.2f}   (target <= 2.5)")
    if "torch" in med:
        print(f"nr/torch = {med['nr'] / med['torch']:.2f}   (target <= 0.6)")


if __name__ == "__main__":
    main()
