"""The Trainer's overhead over the hand-written loop it replaces: one epoch of the demo's digits CNN (train and
held-out evaluation, loss and accuracy) each way, rounds alternated in one process, medians and their ratio.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python asv_bench/compare_train.py [--rounds 7] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmarks.bench_train import make_epoch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    epochs = {loop: make_epoch(loop, args.device) for loop in ("hand", "trainer")}
    times: dict[str, list[float]] = {loop: [] for loop in epochs}
    for fn in epochs.values():
        fn()  # warm-up
    for _ in range(args.rounds):
        for loop, fn in epochs.items():
            start = time.perf_counter()
            fn()
            times[loop].append(time.perf_counter() - start)
    hand, trainer = (statistics.median(times[k]) for k in ("hand", "trainer"))
    print(f"digits CNN, one epoch (45 batches of 32) + held-out pass on {args.device}, median of {args.rounds}:")
    print(f"  hand-written loop {hand * 1e3:8.1f} ms")
    print(f"  nr_train.Trainer  {trainer * 1e3:8.1f} ms   overhead {100 * (trainer / hand - 1):+.1f}%")


if __name__ == "__main__":
    main()
