"""Resume training from a checkpoint: model and optimizer state in one safetensors file, written atomically.

Trains an MLP on digits for ``--epochs`` epochs straight, then again with a save after half of them and a
resume into fresh objects, and checks that both runs end with the same parameters.

    python examples/resume_checkpoint.py [--device cpu] [--epochs 4] [--out out/]
"""
import argparse
import json
import os

import numpy as np

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_optim as optim
from _device import best_device
from _digits import digits_datasets


def build(device):
    nr.random.seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).to(device)
    return model, optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)


def train_epochs(model, opt, dataset, device, first: int, last: int) -> None:
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(first, last):
        # the epoch's shuffle is seeded by the epoch number, so a resumed run sees the same batches
        for xb, yb in data.DataLoader(dataset, batch_size=32, shuffle=True, generator=epoch, device=device):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()


def save_checkpoint(path: str, model, opt, epoch: int) -> None:
    arrays = {f"model.{k}": v for k, v in model.state_dict().items()}
    state = opt.state_dict()
    scalars = {}
    for index, entries in state["state"].items():
        for key, value in entries.items():
            if isinstance(value, nr.Tensor):
                arrays[f"optim.{index}.{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = value
    meta = {"epoch": str(epoch), "optim": json.dumps({"param_groups": state["param_groups"], "scalars": scalars})}
    nn.save(arrays, path, metadata=meta)


def load_checkpoint(path: str, model, opt, device) -> int:
    from safetensors import safe_open
    with safe_open(path, "numpy") as f:
        meta = f.metadata()
    arrays = nn.load(path, device=device)
    model.load_state_dict({k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")})
    saved = json.loads(meta["optim"])
    state = {int(i): dict(entries) for i, entries in saved["scalars"].items()}
    for key, value in arrays.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    opt.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
    return int(meta["epoch"])


def run(device: str, epochs: int = 4, out_dir: str = "out") -> float:
    """The largest parameter difference between the straight run and the resumed one (0.0 when exact)."""
    train_set, _ = digits_datasets()
    straight, opt = build(device)
    train_epochs(straight, opt, train_set, device, 0, epochs)

    half = epochs // 2
    model, opt = build(device)
    train_epochs(model, opt, train_set, device, 0, half)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "resume_example.safetensors")
    save_checkpoint(path, model, opt, half)
    del model, opt
    model, opt = build(device)  # fresh objects, as in a new process
    start = load_checkpoint(path, model, opt, device)
    train_epochs(model, opt, train_set, device, start, epochs)
    a, b = straight.state_dict(), model.state_dict()
    return max(float(np.max(np.abs(a[k].numpy() - b[k].numpy()))) for k in a)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--out", default="out")
    args = ap.parse_args()
    device = best_device(args.device)
    diff = run(device, args.epochs, args.out)
    print(f"resumed run vs straight run on {device}: largest parameter difference {diff:.3g}")
