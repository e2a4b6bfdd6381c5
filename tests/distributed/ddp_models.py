"""The models, data and training loops the DDP tests share (threads tests and the MPI worker script).

Weights come from a NumPy generator, so a model is the same in every process and in PyTorch; the data is
fixed per step, so "2 ranks on half a batch each" and "1 process on the whole batch" see the same samples.
"""
from __future__ import annotations

import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_optim as optim

STEPS, BATCH, LR, MOMENTUM = 20, 8, 0.05, 0.9


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))


def cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1),
                         nn.Tanh(), nn.Flatten(), nn.Linear(6 * 4 * 4, 3))


MODELS = {"mlp": (mlp, (6,)), "cnn": (cnn, (1, 8, 8))}


def weights(model: nn.Module, seed: int) -> dict:
    g = np.random.default_rng(seed)
    return {k: g.normal(scale=0.5, size=v.shape) for k, v in model.state_dict().items()}


def build(kind: str, seed: int = 0) -> nn.Module:
    model = MODELS[kind][0]().double()
    model.load_state_dict(weights(model, seed))
    return model


def batches(kind: str, steps: int = STEPS, batch: int = BATCH, seed: int = 1) -> list:
    g = np.random.default_rng(seed)
    shape = MODELS[kind][1]
    return [(g.normal(size=(batch,) + shape), g.integers(0, 3, size=batch)) for _ in range(steps)]


def train(model, data, rank: int = 0, world: int = 1, micro: int = 1, ddp=None) -> list:
    """SGD with momentum on cross-entropy; each rank takes its contiguous share of every batch, split into
    ``micro`` micro-batches of which all but the last run under ``ddp.no_sync()``. Returns the parameters."""
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    for x, y in data:
        share = len(x) // world
        xs, ys = x[rank * share:(rank + 1) * share], y[rank * share:(rank + 1) * share]
        opt.zero_grad()
        step = len(xs) // micro
        for k in range(micro):
            xb, yb = nr.asarray(xs[k * step:(k + 1) * step]), nr.asarray(ys[k * step:(k + 1) * step])
            if ddp is not None and k < micro - 1:
                with ddp.no_sync():
                    (loss_fn(model(xb), yb) / micro).backward()
            else:
                (loss_fn(model(xb), yb) / micro).backward()
        opt.step()
    inner = ddp.module if ddp is not None else model
    return [p.detach().numpy() for p in inner.parameters()]


def torch_reference(kind: str, data, seed: int = 0) -> list:
    """The same training, one process, full batches, in PyTorch (an independent implementation)."""
    import torch
    nr_model = build(kind, seed)
    torch.manual_seed(0)
    tmodel = _torch_model(kind).double()
    tmodel.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in nr_model.state_dict().items()})
    opt = torch.optim.SGD(tmodel.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    for x, y in data:
        opt.zero_grad()
        loss_fn(tmodel(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt.step()
    return [p.detach().numpy() for p in tmodel.parameters()]


def _torch_model(kind: str):
    import torch.nn as tnn
    if kind == "mlp":
        return tnn.Sequential(tnn.Linear(6, 16), tnn.Tanh(), tnn.Linear(16, 16), tnn.Tanh(), tnn.Linear(16, 3))
    return tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                          tnn.Conv2d(4, 6, 3, padding=1), tnn.Tanh(), tnn.Flatten(), tnn.Linear(6 * 4 * 4, 3))


def max_rel(got: list, ref: list) -> float:
    return max(float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3))) for a, b in zip(got, ref))
