"""The Trainer's loop against hand-written loops (same seeds, bit-identical parameters), both model protocols,
gradient accumulation and clipping, schedulers per epoch and per step, evaluation and prediction, devices, errors."""
from __future__ import annotations

import numpy as np
import pytest
from nrtrain_helpers import N_CLASSES, blobs, loaders, mlp

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_nn.functional as F
import nr_optim as optim
from nr_train import Trainer
from nr_train.metrics import Accuracy, F1Score


def params(model) -> dict:
    return {k: v.numpy() for k, v in model.state_dict().items()}


def assert_same(a: dict, b: dict) -> None:
    for key in a:
        assert a[key].tobytes() == b[key].tobytes(), key


def hand_written(epochs: int, accumulate: int = 1, clip: float | None = None, dropout: float = 0.3):
    """The loop a user would write; returns (parameters, per-epoch mean train loss, val accuracy by hand)."""
    nr.random.seed(0)
    train, val = loaders()
    model = mlp(dropout)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    losses, accs = [], []
    for _ in range(epochs):
        model.train()
        total, seen = 0.0, 0
        for i, (xb, yb) in enumerate(train):
            loss = F.cross_entropy(model(xb), yb)
            (loss / accumulate if accumulate > 1 else loss).backward()
            if (i + 1) % accumulate == 0:
                if clip:
                    nn.utils.clip_grad_norm_(model.parameters(), clip)
                opt.step()
                opt.zero_grad()
            total += float(loss) * yb.shape[0]
            seen += yb.shape[0]
        if (i + 1) % accumulate:
            if clip:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            opt.zero_grad()
        sched.step()
        model.eval()
        with nr.no_grad():
            right = sum(int(nr.sum(nr.argmax(model(xb), axis=1) == yb)) for xb, yb in val)
        accs.append(right / 30)
        losses.append(total / seen)
    return params(model), losses, accs


def with_trainer(epochs: int, accumulate: int = 1, clip: float | None = None, dropout: float = 0.3, **kw):
    nr.random.seed(0)
    train, val = loaders()
    model = mlp(dropout)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    trainer = Trainer(max_epochs=epochs, accumulate=accumulate, grad_clip=clip, progress=False, **kw)
    history = trainer.fit(model, train, val, optimizer=opt, loss_fn=nn.CrossEntropyLoss(),
                          metrics={"acc": Accuracy(num_classes=N_CLASSES)}, scheduler=sched)
    return params(model), history, trainer


@pytest.mark.parametrize("accumulate,clip", [(1, None), (2, None), (1, 0.5), (4, 0.5)])
def test_same_parameters_as_the_hand_written_loop(accumulate, clip):
    want, losses, accs = hand_written(3, accumulate, clip)
    got, history, trainer = with_trainer(3, accumulate, clip)
    assert_same(got, want)
    np.testing.assert_allclose(history["train_loss"], losses, rtol=1e-6)
    assert history["val_acc"] == pytest.approx(accs, abs=1e-12)
    assert trainer.global_step == 3 * -(-6 // accumulate)  # 90 samples / 16 per batch = 6 batches an epoch


def test_seed_makes_runs_repeatable():
    a, ha, _ = with_trainer(2, seed=5)
    b, hb, _ = with_trainer(2, seed=5)
    c, _, _ = with_trainer(2, seed=6)
    assert_same(a, b)
    assert ha == hb
    assert any(a[k].tobytes() != c[k].tobytes() for k in a)


class ProtocolNet(nn.Module):
    """The model-side protocol: the loop finds the steps and the optimizer on the model."""

    def __init__(self):
        super().__init__()
        self.net = mlp()
        self.steps_seen = 0

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.steps_seen += 1
        return {"loss": F.cross_entropy(logits, y), "preds": logits, "target": y, "margin": 2.0}

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        return {"loss": F.cross_entropy(logits, y), "preds": logits, "target": y}

    def test_step(self, batch, batch_idx):
        return {"loss": nr.asarray(1.5), "seen": float(batch[0].shape[0])}

    def configure_optimizers(self):
        opt = optim.SGD(self.parameters(), lr=0.2)
        return {"optimizer": opt, "lr_scheduler": optim.lr_scheduler.ExponentialLR(opt, gamma=0.9),
                "interval": "step"}


def test_model_protocol(seeded):
    train, val = loaders()
    model = ProtocolNet()
    trainer = Trainer(max_epochs=2, progress=False)
    history = trainer.fit(model, train, val, metrics={"f1": F1Score(N_CLASSES)})
    assert model.steps_seen == 12
    assert history["train_margin"] == [2.0, 2.0]
    assert set(history) == {"train_loss", "train_margin", "train_f1", "val_loss", "val_f1"}
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.2 * 0.9 ** 12)  # stepped per batch
    # the validation values are what one pass over the loader gives by hand
    model.eval()
    with nr.no_grad():
        xs, ys = zip(*[(model(xb).numpy(), yb.numpy()) for xb, yb in val])
    from sklearn.metrics import f1_score
    logits, y = np.concatenate(xs), np.concatenate(ys)
    assert history["val_f1"][-1] == pytest.approx(f1_score(y, logits.argmax(1), average="macro",
                                                           labels=range(N_CLASSES), zero_division=0))
    assert trainer.test(model, val) == {"test_loss": 1.5, "test_seen": 30.0}  # one batch of the 30 samples


def test_validate_test_predict(seeded):
    train, val = loaders()
    model = mlp()
    trainer = Trainer(max_epochs=1, progress=False)
    trainer.fit(model, train, optimizer=optim.Adam(model.parameters()), loss_fn=nn.CrossEntropyLoss(),
                metrics={"acc": Accuracy()})
    x, y = blobs()
    xv, yv = x[90:], y[90:]
    model.eval()
    with nr.no_grad():
        logits = model(nr.asarray(xv)).numpy()
    values = trainer.validate(model, val)
    assert values["val_acc"] == pytest.approx(np.mean(logits.argmax(1) == yv))
    want_loss = float(F.cross_entropy(nr.asarray(logits), nr.asarray(yv)))
    assert values["val_loss"] == pytest.approx(want_loss, rel=1e-5)
    assert trainer.test(model, val)["test_acc"] == values["val_acc"]
    out = trainer.predict(model, val)
    np.testing.assert_allclose(out.numpy(), logits, rtol=1e-6)
    only_x = data.DataLoader(data.TensorDataset(nr.asarray(xv)), batch_size=7)
    assert trainer.predict(model, only_x).shape == (30, N_CLASSES)


class RecordingPlateau(optim.lr_scheduler.ReduceLROnPlateau):
    def step(self, metrics):
        self.seen = [*getattr(self, "seen", []), metrics]
        super().step(metrics)


@pytest.mark.parametrize("monitor", ["val_loss", "train_loss"])
def test_reduce_on_plateau_gets_the_monitored_value(seeded, monitor):
    train, val = loaders()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = RecordingPlateau(opt, patience=0, factor=0.5)
    history = Trainer(max_epochs=3, progress=False).fit(model, train, val, optimizer=opt,
                                                        loss_fn=nn.CrossEntropyLoss(),
                                                        scheduler={"scheduler": sched, "monitor": monitor})
    assert sched.seen == history[monitor]


def test_device_moves_model_and_batches(seeded):
    train, val = loaders()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(max_epochs=1, device="cpu:1", progress=False)
    trainer.fit(model, train, val, optimizer=opt, loss_fn=nn.CrossEntropyLoss())
    assert all(str(p.device) == "cpu:1" for p in model.parameters())
    assert str(trainer.predict(model, val).device) == "cpu:1"


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_epochs"):
        Trainer(max_epochs=0)
    with pytest.raises(ValueError, match="accumulate"):
        Trainer(accumulate=0)
    with pytest.raises(ValueError, match="grad_clip"):
        Trainer(grad_clip=-1.0)
    with pytest.raises(TypeError, match="Callbacks"):
        Trainer(callbacks=[object()])
    with pytest.raises(ValueError, match="amp must be None, 'bf16' or 'fp16'"):
        Trainer(amp="int8")
    train, val = loaders()
    model = mlp()
    trainer = Trainer(max_epochs=1, progress=False)
    with pytest.raises(TypeError, match="nr_nn.Module"):
        trainer.fit(lambda x: x, train, optimizer=None)
    with pytest.raises(ValueError, match="loss_fn"):
        trainer.fit(model, train, optimizer=optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="configure_optimizers"):
        trainer.fit(model, train, loss_fn=nn.CrossEntropyLoss())
    with pytest.raises(TypeError, match=r"metrics\['acc'\] must be an nr_train.metrics Metric"):
        trainer.fit(model, train, optimizer=optim.SGD(model.parameters(), lr=0.1), loss_fn=nn.CrossEntropyLoss(),
                    metrics={"acc": "accuracy"})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        trainer.fit(model, train, optimizer=optim.SGD(model.parameters(), lr=0.1), loss_fn=nn.CrossEntropyLoss(),
                    ckpt_path="missing.safetensors")
    with pytest.raises(ValueError, match='ckpt_path="last" needs a ModelCheckpoint'):
        trainer.fit(model, train, optimizer=optim.SGD(model.parameters(), lr=0.1), loss_fn=nn.CrossEntropyLoss(),
                    ckpt_path="last")
