"""The main job, for now: fit a softmax classifier on scikit-learn's digits with nr arrays on the best device.

Gradients are written by hand here; the full demo (a CNN with nr_nn, nr_optim and nr_data) replaces this.
"""
import argparse
import time

import numpy as np
from sklearn.datasets import load_digits

import nr_core as nr
from _device import best_device


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default=None, help="cuda, opencl, cpu … (default: the best available)")
    ap.add_argument("--epochs", type=int, default=200)
    args = ap.parse_args()
    device = best_device(args.device)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target
    perm = np.random.default_rng(0).permutation(len(x))
    train, test = perm[:1400], perm[1400:]
    X = nr.asarray(x[train], device=device)
    Y = nr.asarray(np.eye(10, dtype=np.float32)[y[train]], device=device)
    W = nr.zeros((64, 10), device=device)
    b = nr.zeros((10,), device=device)
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        logits = X @ W + b
        p = nr.exp(logits - nr.logsumexp(logits, axis=1, keepdims=True))
        g = (p - Y) / X.shape[0]
        W -= 0.5 * (X.mT @ g)
        b -= 0.5 * nr.sum(g, axis=0)
    pred = nr.argmax(nr.asarray(x[test], device=device) @ W + b, axis=1).numpy()
    acc = float(np.mean(pred == y[test]))
    print(f"device {device}: softmax regression on digits, {args.epochs} epochs in {time.perf_counter() - t0:.2f}s, "
          f"held-out accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
