"""Run by test_soak.py in a fresh interpreter: train a tiny MLP for STEPS steps and print the resident set size
(from /proc/self/statm) every SAMPLE steps as JSON. ``--leak N`` keeps N bytes per step alive, to show that the
measurement sees a leak of that size."""
from __future__ import annotations

import argparse
import json
import os

import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_optim as optim

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=250)
    parser.add_argument("--leak", type=int, default=0)
    args = parser.parse_args()
    nr.random.seed(0)
    rng = np.random.default_rng(0)
    x = nr.asarray(rng.standard_normal((32, 8)).astype(np.float32))
    y = nr.asarray(rng.standard_normal((32, 1)).astype(np.float32))
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1000, gamma=0.5)
    loss_fn = nn.MSELoss()
    kept, samples, losses = [], [], []
    for step in range(1, args.steps + 1):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        if args.leak:
            kept.append(bytearray(args.leak))
        if step % args.sample == 0:
            samples.append([step, rss()])
            losses.append(float(loss))
    print(json.dumps({"samples": samples, "losses": losses}))


if __name__ == "__main__":
    main()
