"""The main job: train a small CNN on scikit-learn's digits on the best available device.

Shows a progress bar per epoch with loss and accuracy, reports the held-out accuracy, saves a
safetensors checkpoint and a PNG of the training curves.

    python examples/demo.py [--device cpu|opencl|cuda] [--epochs 12] [--out out/] [--amp bf16|fp16]

``--amp bf16`` trains under ``nr.autocast`` in bfloat16 (float32 master weights, no loss scaling); ``--amp fp16``
in float16 with a ``nr.amp.GradScaler``. Either reports the memory the graph holds after one forward pass.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_nn.functional as F
import nr_optim as optim
from _amp import Recipe, activation_bytes
from _device import best_device
from _digits import digits_datasets


class DigitsCNN(nn.Module):
    """Two 3x3 convolutions and a 2x2 max-pool on 8x8 digits, then a small classifier head."""

    def __init__(self, n_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Dropout(0.2),
                                  nn.Linear(64, n_classes))

    def forward(self, x):
        return self.head(self.features(x))


def evaluate(model, loader, recipe: Recipe) -> tuple[float, float]:
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    with nr.no_grad():
        for xb, yb in loader:
            with recipe.autocast():
                logits = model(xb)
            total_loss += float(F.cross_entropy(logits, yb, reduction="sum"))
            correct += int(nr.sum(nr.argmax(logits, axis=1) == yb))
            n += yb.shape[0]
    return total_loss / n, correct / n


def train(device: str, epochs: int, batch_size: int, lr: float, out_dir: str, progress: bool = True,
          amp: str | None = None) -> dict:
    from tqdm import tqdm

    nr.random.seed(0)
    train_set, test_set = digits_datasets(image=True)
    train_loader = data.DataLoader(train_set, batch_size=batch_size, shuffle=True, device=device)
    test_loader = data.DataLoader(test_set, batch_size=256, device=device)
    model = DigitsCNN().to(device)
    opt = optim.Adam(model.parameters(), lr=lr)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    recipe = Recipe(amp, device)
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        seen, loss_sum, correct = 0, 0.0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch:2d}/{epochs}", unit="batch", leave=True, disable=not progress)
        for xb, yb in bar:
            with recipe.autocast():
                logits = model(xb)
                loss = F.cross_entropy(logits, yb)
            recipe.step(loss, opt)
            n = yb.shape[0]
            seen += n
            loss_sum += float(loss) * n
            correct += int(nr.sum(nr.argmax(logits, axis=1) == yb))
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}", refresh=False)
        sched.step()
        test_loss, test_acc = evaluate(model, test_loader, recipe)
        for key, value in zip(history, (loss_sum / seen, correct / seen, test_loss, test_acc)):
            history[key].append(value)
    wall = time.perf_counter() - t0
    model.train()
    held, peak = activation_bytes(model, F.cross_entropy, *next(iter(train_loader)), recipe)
    os.makedirs(out_dir, exist_ok=True)
    ckpt = os.path.join(out_dir, "digits_cnn.safetensors")
    nn.save(model.state_dict(), ckpt)
    plot = os.path.join(out_dir, "training_curves.png")
    plot_curves(history, plot, title=f"DigitsCNN on {device}" + (f" ({amp} autocast)" if amp else ""))
    return {"device": device, "test_acc": history["test_acc"][-1], "wall_s": wall, "checkpoint": ckpt, "plot": plot,
            "held_bytes": held, "peak_bytes": peak, "skipped_steps": recipe.skipped}


def plot_curves(history: dict, path: str, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["train_loss"], label="train")
    ax1.plot(epochs, history["test_loss"], label="held-out")
    ax1.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax2.plot(epochs, history["train_acc"], label="train")
    ax2.plot(epochs, history["test_acc"], label="held-out")
    low = min(history["train_acc"] + history["test_acc"])
    ax2.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(max(0.0, low - 0.05), 1.0))
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)  # never leave a half-written file behind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None, help="cuda, opencl, cpu … (default: the best available)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default="out")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--amp", choices=("bf16", "fp16"), default=None,
                    help="mixed precision: bf16 autocast, or fp16 autocast with a GradScaler (default: float32)")
    args = ap.parse_args()
    device = best_device(args.device)
    print(f"training DigitsCNN on {device} (nr backends lists the devices; --device picks one)")
    r = train(device, args.epochs, args.batch_size, args.lr, args.out, progress=not args.no_progress, amp=args.amp)
    print(f"held-out accuracy {r['test_acc']:.4f}   training time {r['wall_s']:.1f}s on {r['device']}"
          f" ({args.amp or 'float32'})")
    print(f"activations of one batch: {r['held_bytes'] / 1024:.0f} KiB held after forward, "
          f"{r['peak_bytes'] / 1024:.0f} KiB peak through backward (host memory)"
          + (f"; {r['skipped_steps']} steps skipped by the GradScaler" if args.amp == "fp16" else ""))
    print(f"checkpoint: {r['checkpoint']}\nplot:       {r['plot']}")


if __name__ == "__main__":
    main()
