"""A small training job for the resume tests, run as its own process: an MLP with dropout on digits, shuffled
batches from the global generator, Adam with a StepLR schedule, checkpoints every epoch.

    python resume_job.py DATA.npz OUT [--resume] [--kill-at-epoch E] [--term-at E B] [--accumulate K]

``--kill-at-epoch E`` SIGKILLs the process when epoch E (0-based) starts, after epoch E-1's checkpoint;
``--term-at E B`` sends it SIGTERM after batch B of epoch E. DATA.npz holds digits' ``x`` and ``y`` (written by the
test, so that no job pays for importing scikit-learn). The final parameters go to OUT/final.safetensors and
the history to OUT/history.json.
"""
import argparse
import json
import os
import signal

import numpy as np

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_optim as optim
from nr_train import Callback, EarlyStopping, ModelCheckpoint, Trainer
from nr_train.metrics import Accuracy

EPOCHS = 6


class SignalAt(Callback):
    """Sends ``signum`` to this process at a chosen point of training (what a scheduler or a crash would do)."""

    def __init__(self, signum, epoch, batch=None):
        self.signum, self.epoch, self.batch = signum, epoch, batch

    def on_epoch_start(self, trainer, model):
        if self.batch is None and trainer.epoch == self.epoch:
            os.kill(os.getpid(), self.signum)

    def on_batch_end(self, trainer, model, outputs, batch, batch_idx):
        if self.batch is not None and trainer.epoch == self.epoch and batch_idx == self.batch:
            os.kill(os.getpid(), self.signum)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--kill-at-epoch", type=int)
    ap.add_argument("--term-at", type=int, nargs=2)
    ap.add_argument("--accumulate", type=int, default=1)
    args = ap.parse_args()

    with np.load(args.data) as digits:
        x, y = nr.asarray(digits["x"]), nr.asarray(digits["y"])
    nr.random.seed(0)
    train, val = data.random_split(data.TensorDataset(x, y), [0.8, 0.2], seed=0)
    train_loader = data.DataLoader(train, batch_size=64, shuffle=True)
    val_loader = data.DataLoader(val, batch_size=256)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 10))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    callbacks = [ModelCheckpoint(os.path.join(args.out, "ckpt"), monitor="val_acc", mode="max", save_top_k=2,
                                 save_last=True),
                 EarlyStopping("val_loss", patience=10)]
    if args.kill_at_epoch is not None:
        callbacks.append(SignalAt(signal.SIGKILL, args.kill_at_epoch))
    if args.term_at is not None:
        callbacks.append(SignalAt(signal.SIGTERM, *args.term_at))
    trainer = Trainer(max_epochs=EPOCHS, callbacks=callbacks, seed=0, accumulate=args.accumulate, progress=False)
    history = trainer.fit(model, train_loader, val_loader, optimizer=opt, loss_fn=nn.CrossEntropyLoss(),
                          metrics={"acc": Accuracy(num_classes=10)}, scheduler=sched,
                          ckpt_path="last" if args.resume else None)
    nn.save(model.state_dict(), os.path.join(args.out, "final.safetensors"))
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f)


if __name__ == "__main__":
    main()
