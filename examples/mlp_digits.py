"""An MLP on scikit-learn's digits: the smallest complete training loop.

    python examples/mlp_digits.py [--device cpu] [--epochs 20]
"""
import argparse

import nr_core as nr
import nr_nn as nn
import nr_optim as optim
from _device import best_device
from _digits import digits_datasets
from _loop import accuracy, fit


def run(device: str, epochs: int = 20, seed: int = 0) -> float:
    nr.random.seed(seed)
    train_set, test_set = digits_datasets()
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)
    fit(model, train_set, optim.Adam(model.parameters(), lr=1e-3), device, epochs)
    x, y = test_set[:]
    return accuracy(model, x, y, device)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    device = best_device(args.device)
    print(f"MLP on digits, {device}: held-out accuracy {run(device, args.epochs):.4f}")
