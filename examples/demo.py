"""The main job: train a small CNN on scikit-learn's digits on the best available device.

The loop is nr_train's Trainer: a progress bar per epoch with loss and accuracy, early stopping, checkpoints
(the best by held-out accuracy and the last, which ``fit(..., ckpt_path="last")`` resumes), TensorBoard logs
and a PNG of the training curves; the held-out accuracy is reported and the weights saved as safetensors.

    python examples/demo.py [--device cpu|opencl|cuda] [--epochs 12] [--out out/]
"""
from __future__ import annotations

import argparse
import os
import time

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_optim as optim
from _device import best_device
from _digits import digits_datasets
from nr_train import Callback, EarlyStopping, ModelCheckpoint, TensorBoardLogger, Trainer, TrainingCurves
from nr_train.metrics import Accuracy


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


class Stopwatch(Callback):
    """Seconds from the start of fit to the end of its last epoch (the plot written after that is not training)."""

    def on_fit_start(self, trainer, model) -> None:
        self.start = time.perf_counter()

    def on_fit_end(self, trainer, model) -> None:
        self.seconds = time.perf_counter() - self.start


def train(device: str, epochs: int, batch_size: int, lr: float, out_dir: str, progress: bool = True) -> dict:
    """Fit with nr_train's Trainer: a bar per epoch, early stopping, checkpoints, TensorBoard logs, the PNG plot."""
    nr.random.seed(0)
    train_set, test_set = digits_datasets(image=True)
    train_loader = data.DataLoader(train_set, batch_size=batch_size, shuffle=True, device=device)
    test_loader = data.DataLoader(test_set, batch_size=256, device=device)
    model = DigitsCNN().to(device)
    opt = optim.Adam(model.parameters(), lr=lr)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    plot = os.path.join(out_dir, "training_curves.png")
    clock = Stopwatch()
    trainer = Trainer(
        max_epochs=epochs, device=device, progress=progress,
        callbacks=[clock, EarlyStopping("val_loss", patience=3),
                   ModelCheckpoint(os.path.join(out_dir, "ckpt"), monitor="val_acc", mode="max", save_last=True),
                   TrainingCurves(plot, title=f"DigitsCNN on {device}", labels={"val": "held-out"})],
        logger=TensorBoardLogger(os.path.join(out_dir, "tb")))
    history = trainer.fit(model, train_loader, test_loader, optimizer=opt, loss_fn=nn.CrossEntropyLoss(),
                          metrics={"acc": Accuracy(num_classes=10)}, scheduler=sched)
    ckpt = os.path.join(out_dir, "digits_cnn.safetensors")
    nn.save(model.state_dict(), ckpt)
    return {"device": device, "test_acc": history["val_acc"][-1], "wall_s": clock.seconds, "checkpoint": ckpt,
            "plot": plot, "tensorboard": os.path.join(out_dir, "tb"), "epochs": len(history["val_acc"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None, help="cuda, opencl, cpu … (default: the best available)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default="out")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args()
    device = best_device(args.device)
    print(f"training DigitsCNN on {device} (nr backends lists the devices; --device picks one)")
    r = train(device, args.epochs, args.batch_size, args.lr, args.out, progress=not args.no_progress)
    if r["epochs"] < args.epochs:
        print(f"early stopping after {r['epochs']} epochs (held-out loss no longer improving)")
    print(f"held-out accuracy {r['test_acc']:.4f}   training time {r['wall_s']:.1f}s on {r['device']}")
    print(f"checkpoint: {r['checkpoint']}\nplot:       {r['plot']}")
    print(f"tensorboard: tensorboard --logdir {r['tensorboard']}")


if __name__ == "__main__":
    main()
