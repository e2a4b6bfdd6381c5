"""Callbacks and loggers: hook order, early stopping, checkpoint selection and "last" resume, learning-rate
monitor, CSV rows, TensorBoard event files read back with TensorBoard's own reader, the PNG plot, SIGINT."""
from __future__ import annotations

import csv
import os
import signal

import numpy as np
import pytest
from nrtrain_helpers import N_CLASSES, loaders, mlp

import nr_core as nr
import nr_nn as nn
import nr_optim as optim
import nr_train
from nr_train import (Callback, CSVLogger, EarlyStopping, LearningRateMonitor, ModelCheckpoint, TensorBoardLogger,
                      Trainer, TrainingCurves)
from nr_train.metrics import Accuracy


def fit(callbacks=(), epochs=4, lr=0.1, logger=None, ckpt_path=None, **kw):
    nr.random.seed(0)
    train, val = loaders()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=lr)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    trainer = Trainer(max_epochs=epochs, callbacks=list(callbacks), logger=logger, progress=False, **kw)
    history = trainer.fit(model, train, val, optimizer=opt, loss_fn=nn.CrossEntropyLoss(),
                          metrics={"acc": Accuracy(num_classes=N_CLASSES)}, scheduler=sched, ckpt_path=ckpt_path)
    return trainer, history, model


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            return lambda trainer, model, *args: self.calls.append((name, trainer.epoch, trainer.batch_idx))
        return object.__getattribute__(self, name)


def test_hook_order():
    rec = Recorder()
    fit([rec], epochs=2)
    names = [c[0] for c in rec.calls]
    epoch = ["on_epoch_start"] + ["on_batch_start", "on_batch_end"] * 6 + ["on_validation_end", "on_epoch_end"]
    assert names == ["on_fit_start"] + epoch * 2 + ["on_fit_end"]
    assert ("on_batch_end", 1, 3) in rec.calls  # batch_idx counts the batches done, also inside the hook
    assert [c for c in rec.calls if c[0] == "on_epoch_end"] == [("on_epoch_end", 0, 6), ("on_epoch_end", 1, 6)]


def test_checkpoints_run_after_the_other_callbacks(tmp_path):
    ckpt, stop = ModelCheckpoint(tmp_path), EarlyStopping("val_loss")
    trainer = Trainer(callbacks=[ckpt, stop], progress=False)
    assert trainer.callbacks == [stop, ckpt]


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    stop = EarlyStopping("val_acc", mode="max", patience=2)
    trainer, history, _ = fit([stop], epochs=20, lr=0.0)  # nothing learns: val_acc is flat after epoch 1
    assert len(history["val_acc"]) == 3 and trainer.should_stop
    assert stop.stopped_epoch == 2 and stop.wait == 2 and stop.best == history["val_acc"][0]
    with pytest.raises(KeyError, match="monitor 'val_f1' is not among the logged metrics"):
        fit([EarlyStopping("val_f1")], epochs=1)


def test_model_checkpoint_keeps_the_best_k_and_last(tmp_path):
    ckpt = ModelCheckpoint(tmp_path, monitor="val_loss", mode="min", save_top_k=2, save_last=True)
    _, history, model = fit([ckpt], epochs=4, lr=0.05)
    losses = history["val_loss"]
    best = sorted(range(4), key=lambda i: losses[i])[:2]
    want = {f"epoch{i + 1:03d}-val_loss={losses[i]:.4f}.safetensors" for i in best} | {"last.safetensors"}
    assert set(os.listdir(tmp_path)) == want
    assert ckpt.best_model_score == min(losses)
    state = nr_train.load_checkpoint(ckpt.best_model_path)
    assert state["epoch"] == best[0] + 1 and state["history"]["val_loss"] == losses[:best[0] + 1]
    last = nr_train.load_checkpoint(tmp_path / "last.safetensors")
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(last["model"][key].numpy(), value.numpy())
    every = ModelCheckpoint(tmp_path / "all", save_top_k=-1)
    fit([every], epochs=3)
    assert sorted(os.listdir(tmp_path / "all")) == ["epoch001.safetensors", "epoch002.safetensors",
                                                      "epoch003.safetensors"]


def test_resume_from_last_at_every_epoch_boundary(tmp_path):
    _, straight, model = fit(epochs=4)
    want = {k: v.numpy() for k, v in model.state_dict().items()}
    ckpt = ModelCheckpoint(tmp_path, save_top_k=-1, save_last=True)
    fit([ckpt], epochs=4)
    for epoch in (1, 2, 3):
        os.replace(tmp_path / f"epoch{epoch:03d}.safetensors", tmp_path / "last.safetensors")
        _, history, resumed = fit([ModelCheckpoint(tmp_path, save_top_k=0, save_last=True)], epochs=4,
                                  ckpt_path="last")
        assert history == straight
        for key, value in resumed.state_dict().items():
            assert value.numpy().tobytes() == want[key].tobytes()


def test_last_without_a_file_starts_fresh(tmp_path):
    with pytest.warns(UserWarning, match="training from the start"):
        _, history, _ = fit([ModelCheckpoint(tmp_path, save_last=True)], epochs=1, ckpt_path="last")
    assert len(history["val_loss"]) == 1


def test_learning_rate_monitor_and_csv_logger(tmp_path):
    logger = CSVLogger(tmp_path)
    _, history, _ = fit([LearningRateMonitor()], epochs=3, logger=logger)
    assert history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    with open(tmp_path / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3] and [int(r["step"]) for r in rows] == [6, 12, 18]
    for key, values in history.items():
        assert [float(r[key]) for r in rows] == pytest.approx(values, rel=1e-15)


def test_csv_logger_rows_after_a_resume(tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "ckpt", save_top_k=-1)
    fit([ckpt], epochs=3, logger=CSVLogger(tmp_path))
    os.replace(tmp_path / "ckpt" / "epoch001.safetensors", tmp_path / "resume.safetensors")
    _, history, _ = fit(epochs=3, logger=CSVLogger(tmp_path), ckpt_path=tmp_path / "resume.safetensors")
    with open(tmp_path / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]  # epoch 2 and 3 of the first run are not repeated
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(history["val_loss"], rel=1e-15)


def scalars(log_dir) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(str(log_dir), size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_tensorboard_event_files_hold_the_logged_scalars(tmp_path):
    logger = TensorBoardLogger(tmp_path / "tb", log_every_n_steps=4)
    _, history, _ = fit([LearningRateMonitor()], epochs=3, logger=logger)
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    logged = scalars(tmp_path / "tb")
    for key, values in history.items():
        assert [step for step, _ in logged[key]] == [6, 12, 18]
        np.testing.assert_allclose([v for _, v in logged[key]], values, rtol=1e-6)  # stored as float32
    assert [v for _, v in logged["epoch"]] == [1, 2, 3]
    assert [step for step, _ in logged["train_loss_step"]] == [4, 8, 12, 16]


def test_tensorboard_after_a_resume_drops_the_orphaned_events(tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "ckpt", save_top_k=-1)
    fit([ckpt], epochs=3, logger=TensorBoardLogger(tmp_path / "tb"))
    _, history, _ = fit(epochs=3, logger=TensorBoardLogger(tmp_path / "tb"),
                        ckpt_path=tmp_path / "ckpt" / "epoch001.safetensors")
    logged = scalars(tmp_path / "tb")
    assert [step for step, _ in logged["val_loss"]] == [6, 12, 18]
    np.testing.assert_allclose([v for _, v in logged["val_loss"]], history["val_loss"], rtol=1e-6)


def test_training_curves_png(tmp_path):
    path = tmp_path / "plots" / "curves.png"
    fit([TrainingCurves(path, title="blobs", labels={"val": "held-out"})], epochs=2)
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert not list(path.parent.glob("*.tmp*"))


class InterruptAt(Callback):
    def __init__(self, signum, epoch, batch):
        self.signum, self.epoch, self.batch = signum, epoch, batch

    def on_batch_end(self, trainer, model, outputs, batch, batch_idx):
        if (trainer.epoch, batch_idx) == (self.epoch, self.batch):
            os.kill(os.getpid(), self.signum)


def test_sigint_saves_last_then_raises_keyboard_interrupt(tmp_path):
    before = signal.getsignal(signal.SIGINT)
    ckpt = ModelCheckpoint(tmp_path, save_top_k=0)
    with pytest.raises(KeyboardInterrupt):
        fit([ckpt, InterruptAt(signal.SIGINT, 1, 2)], epochs=3)
    assert signal.getsignal(signal.SIGINT) is before  # handlers are put back
    state = nr_train.load_checkpoint(tmp_path / "last.safetensors")
    assert (state["epoch"], state["batch_idx"], state["global_step"]) == (1, 3, 9)
    _, resumed, _ = fit([ModelCheckpoint(tmp_path, save_top_k=0)], epochs=3, ckpt_path="last")
    _, straight, _ = fit(epochs=3)
    assert resumed == straight


def test_interrupt_without_checkpoint_warns():
    with pytest.warns(UserWarning, match="no checkpoint was saved"), pytest.raises(SystemExit) as exit_info:
        fit([InterruptAt(signal.SIGTERM, 0, 1)], epochs=2)
    assert exit_info.value.code == 128 + signal.SIGTERM


def test_resume_inside_an_epoch_needs_a_stateful_loader(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        fit([ModelCheckpoint(tmp_path, save_top_k=0), InterruptAt(signal.SIGINT, 0, 1)], epochs=2)
    train, _ = loaders()
    model = mlp()
    with pytest.raises(ValueError, match="has no load_state_dict"):
        Trainer(max_epochs=2, progress=False).fit(model, list(train), optimizer=optim.SGD(model.parameters(), lr=0.1),
                                                  loss_fn=nn.CrossEntropyLoss(),
                                                  ckpt_path=tmp_path / "last.safetensors")


def test_progress_bar_shows_values(capsys):
    nr.random.seed(0)
    train, val = loaders()
    model = mlp()
    Trainer(max_epochs=2, progress=True).fit(model, train, val, optimizer=optim.SGD(model.parameters(), lr=0.1),
                                            loss_fn=nn.CrossEntropyLoss(), metrics={"acc": Accuracy()})
    err = capsys.readouterr().err
    assert "epoch  1/2" in err and "epoch  2/2" in err and "6/6" in err
    assert "val_acc=" in err and "loss=" in err


def test_resume_inside_an_epoch_keeps_its_logged_values(tmp_path):
    """With a per-step schedule the rate at the resume is not the epoch's first; the history must not show it."""
    def run(callbacks, ckpt_path=None):
        nr.random.seed(0)
        train, val = loaders()
        model = mlp(dropout=0.3)
        opt = optim.SGD(model.parameters(), lr=0.1)
        sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.8)
        trainer = Trainer(max_epochs=3, callbacks=[LearningRateMonitor(), *callbacks], progress=False)
        return trainer.fit(model, train, val, optimizer=opt, loss_fn=nn.CrossEntropyLoss(), ckpt_path=ckpt_path,
                           scheduler={"scheduler": sched, "interval": "step"}, metrics={"acc": Accuracy()})

    straight = run([])
    with pytest.raises(KeyboardInterrupt):
        run([ModelCheckpoint(tmp_path, save_top_k=0), InterruptAt(signal.SIGINT, 1, 3)])
    resumed = run([ModelCheckpoint(tmp_path, save_top_k=0)], ckpt_path="last")
    assert resumed == straight
    assert straight["lr"] == pytest.approx([0.1, 0.1 * 0.8 ** 6, 0.1 * 0.8 ** 12])
