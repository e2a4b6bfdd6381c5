"""The main job: train a small CNN on scikit-learn's digits on the best available device.

The loop is nr_train's Trainer: a progress bar per epoch with loss and accuracy, early stopping, checkpoints
(the best by held-out accuracy and the last, which ``fit(..., ckpt_path="last")`` resumes), TensorBoard logs
and a PNG of the training curves; the held-out accuracy is reported and the weights saved as safetensors.

    python examples/demo.py [--device cpu|opencl|cuda] [--epochs 12] [--out out/] [--amp bf16|fp16]

``--amp bf16`` trains under ``nr.autocast`` in bfloat16 (float32 master weights, no loss scaling); ``--amp fp16``
in float16 with a ``nr.amp.GradScaler`` (the Trainer's ``amp=``). Both report the memory the graph holds after one
forward pass, against which float32 (no ``--amp``) compares.
"""
from __future__ import annotations

import argparse
import os
import time

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_optim as optim
from _amp import activation_bytes
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


def train(device: str, epochs: int, batch_size: int, lr: float, out_dir: str, progress: bool = True,
          amp: str | None = None) -> dict:
    """Fit with nr_train's Trainer: a bar per epoch, early stopping, checkpoints, TensorBoard logs, the PNG plot;
    ``amp`` ("bf16", "fp16") trains under autocast (with a GradScaler for fp16)."""
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
        max_epochs=epochs, device=device, progress=progress, amp=amp,
        callbacks=[clock, EarlyStopping("val_loss", patience=3),
                   ModelCheckpoint(os.path.join(out_dir, "ckpt"), monitor="val_acc", mode="max", save_last=True),
                   TrainingCurves(plot, title=f"DigitsCNN on {device}" + (f" ({amp} autocast)" if amp else ""), labels={"val": "held-out"})],
        logger=TensorBoardLogger(os.path.join(out_dir, "tb")))
    loss_fn = nn.CrossEntropyLoss()
    history = trainer.fit(model, train_loader, test_loader, optimizer=opt, loss_fn=loss_fn,
                          metrics={"acc": Accuracy(num_classes=10)}, scheduler=sched)
    model.train()
    held, peak = activation_bytes(model, loss_fn, *next(iter(train_loader)), amp, device)
    ckpt = os.path.join(out_dir, "digits_cnn.safetensors")
    nn.save(model.state_dict(), ckpt)
    return {"device": device, "test_acc": history["val_acc"][-1], "wall_s": clock.seconds, "checkpoint": ckpt,
            "plot": plot, "tensorboard": os.path.join(out_dir, "tb"), "epochs": len(history["val_acc"]),
            "held_bytes": held, "peak_bytes": peak, "skipped_steps": trainer.skipped_steps}


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
    if r["epochs"] < args.epochs:
        print(f"early stopping after {r['epochs']} epochs (held-out loss no longer improving)")
    print(f"held-out accuracy {r['test_acc']:.4f}   training time {r['wall_s']:.1f}s on {r['device']}"
          f" ({args.amp or 'float32'})")
    print(f"activations of one batch: {r['held_bytes'] / 1024:.0f} KiB held after forward, "
          f"{r['peak_bytes'] / 1024:.0f} KiB peak through backward (host memory)"
          + (f"; {r['skipped_steps']} steps skipped by the GradScaler" if args.amp == "fp16" else ""))
    print(f"checkpoint: {r['checkpoint']}\nplot:       {r['plot']}")
    print(f"tensorboard: tensorboard --logdir {r['tensorboard']}")


if __name__ == "__main__":
    main()
