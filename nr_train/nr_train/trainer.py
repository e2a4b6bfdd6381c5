"""The Trainer: ``fit`` runs epochs of training batches, validation, the scheduler step and the callbacks, in that
order, and can resume exactly from any checkpoint it wrote. Read ``fit`` and ``_run_epoch`` top to bottom: that is
the whole loop.

The model is a plain ``nn.Module``. Either pass ``optimizer``, ``loss_fn`` (and ``metrics``) to ``fit`` and feed
``(inputs..., target)`` batches, or give the model the protocol methods (no base class needed):

- ``training_step(batch, batch_idx)`` returns the loss, or a dict with ``"loss"``, optionally ``"preds"`` and
  ``"target"`` (for the metrics) and other values to log (averaged over the epoch as ``train_<name>``);
- ``validation_step(batch, batch_idx)`` (and ``test_step``) the same, logged as ``val_<name>``;
- ``configure_optimizers()`` returns an optimizer, ``(optimizer, scheduler)``, or
  ``{"optimizer": ..., "lr_scheduler": ..., "interval": "epoch" | "step", "monitor": "val_loss"}``;
- ``predict_step(batch, batch_idx)`` for ``predict``.
"""
from __future__ import annotations

import contextlib
import os
import warnings
from typing import Any

import nr_core as nr
import nr_nn as nn
import nr_optim as optim

from . import _batches, _rng
from ._amp import Precision
from ._interrupt import InterruptGuard
from ._running import Running
from .callbacks import Callback, ModelCheckpoint, ProgressBar
from .checkpoint import load_checkpoint, save_checkpoint
from .metrics import Metric


class Trainer:
    """``max_epochs`` epochs of training; ``callbacks`` and ``logger`` (one or a list) are called at the hooks of
    ``nr_train.callbacks.base``; ``device`` (default: where the model's parameters are) is where the model and
    batches go; ``seed`` seeds every generator at the start of a fresh fit; ``grad_clip`` bounds the gradient norm;
    ``accumulate`` batches make one optimizer step; ``amp`` ("bf16", "fp16") runs steps under ``nr.autocast``;
    ``progress`` shows a bar per epoch."""

    def __init__(self, max_epochs: int = 10, callbacks: list[Callback] | None = None, logger=None, device=None,
                 seed: int | None = None, grad_clip: float | None = None, accumulate: int = 1, amp=None,
                 progress: bool = True) -> None:
        if not isinstance(max_epochs, int) or max_epochs < 1:
            raise ValueError(f"Trainer: max_epochs must be a positive int, got {max_epochs!r}")
        if not isinstance(accumulate, int) or accumulate < 1:
            raise ValueError(f"Trainer: accumulate must be a positive int, got {accumulate!r}")
        if grad_clip is not None and not grad_clip > 0:
            raise ValueError(f"Trainer: grad_clip must be None or a positive max norm, got {grad_clip!r}")
        if seed is not None and (not isinstance(seed, int) or seed < 0):
            raise ValueError(f"Trainer: seed must be None or a non-negative int, got {seed!r}")
        loggers = [] if logger is None else list(logger) if isinstance(logger, (list, tuple)) else [logger]
        given = list(callbacks or []) + loggers
        for cb in given:
            if not isinstance(cb, Callback):
                raise TypeError(f"Trainer: callbacks and loggers must be nr_train Callbacks, got {type(cb).__name__}")
        # checkpoints last: what they save includes the other callbacks' state of the same epoch
        ordered = ([ProgressBar()] if progress else []) + given
        self.callbacks = sorted(ordered, key=lambda cb: isinstance(cb, ModelCheckpoint))
        self.max_epochs, self.seed, self.grad_clip, self.accumulate = max_epochs, seed, grad_clip, accumulate
        self.device = None if device is None else _resolve_device(device)
        self.precision = None if amp is None else Precision(amp)
        self._scaler = None
        self.model = self.optimizer = self.scheduler = self.loss_fn = None
        self.train_loader = self.val_loader = None
        self._metrics: dict[str, Metric] = {}
        self._sched_interval, self._sched_monitor = "epoch", "val_loss"
        self._reset_progress()

    def _reset_progress(self) -> None:
        self.epoch = 0  # the epoch in progress, 0-based
        self.batch_idx = 0  # training batches done in it
        self.global_step = 0  # optimizer steps taken
        self.skipped_steps = 0  # of those, steps the GradScaler skipped (inf/NaN gradients under amp="fp16")
        self.should_stop = False  # set by a callback (EarlyStopping) to end fit after this epoch
        self.metrics: dict[str, float] = {}  # this epoch's logged values
        self.history: dict[str, list[float]] = {}  # every epoch's logged values
        self._running: Running | None = None
        self._epoch_done = False
        self._guard: InterruptGuard | None = None

    # -- fit ----------------------------------------------------------------------------------------------------
    def fit(self, model, train_loader, val_loader=None, *, optimizer=None, loss_fn=None,
            metrics: dict[str, Metric] | None = None, scheduler=None, ckpt_path: str | None = None) -> dict:
        """Train; returns the history (a list per logged value, one entry per epoch). ``ckpt_path`` resumes from
        a checkpoint file, or "last": the first ModelCheckpoint's ``last.safetensors`` (a fresh start, with a
        warning, when it does not exist yet)."""
        self._setup(model, loss_fn, metrics)
        self._setup_optimization(optimizer, scheduler)
        self.train_loader, self.val_loader = train_loader, val_loader
        self._reset_progress()
        path = None if ckpt_path is None else self._checkpoint_to_resume(ckpt_path)
        if path is not None:
            self._restore(load_checkpoint(path, device=self.device))
        elif self.seed is not None:
            _rng.seed_everything(self.seed)
        self.optimizer.zero_grad()
        self._call("on_fit_start")
        with InterruptGuard() as self._guard:
            while self.epoch < self.max_epochs and not self.should_stop:
                self._run_epoch()
        self._guard = None
        self._call("on_fit_end")
        return self.history

    def _run_epoch(self) -> None:
        if self.batch_idx == 0:  # a run resumed inside the epoch keeps the values it had logged
            self.metrics = {}
        self._call("on_epoch_start")
        self._train_batches()
        self.metrics.update(self._running.values("train"))
        if self.val_loader is not None:
            values = self._evaluate(self.val_loader, "val", "validation_step")
            self.metrics.update(values)
            self._call("on_validation_end", values)
        self._step_scheduler("epoch")
        for name, value in self.metrics.items():
            self.history.setdefault(name, []).append(value)
        self._epoch_done = True  # checkpoints written from now on resume at the next epoch
        self._call("on_epoch_end")
        self._epoch_done = False
        self.epoch, self.batch_idx, self._running = self.epoch + 1, 0, None
        if self._guard.signum is not None:
            self._interrupt()

    def _train_batches(self) -> None:
        self.model.train()
        if self._running is None:  # not a run resumed inside this epoch
            self._running = Running(self._metrics)
        for batch in self.train_loader:
            batch = _batches.to_device(batch, self.device)
            index = self.batch_idx
            self._call("on_batch_start", batch, index)
            loss = self._training_step(batch, index)
            self.batch_idx += 1
            stepped = self.batch_idx % self.accumulate == 0
            if stepped:
                self._optimizer_step()
            self._call("on_batch_end", {"loss": loss, "stepped": stepped}, batch, index)
            if stepped and self._guard.signum is not None:
                self._interrupt()
        if self.batch_idx % self.accumulate:  # the epoch's last, shorter accumulation
            self._optimizer_step()

    def _training_step(self, batch, index: int):
        with self._autocast():
            loss, extra, preds, target = self._step(self.model, "training_step", batch, index)
        if not isinstance(loss, nr.Tensor):
            raise TypeError(f"Trainer: training_step must return the loss array or a dict with 'loss', got "
                            f"{type(loss).__name__}")
        scaled = loss / self.accumulate if self.accumulate > 1 else loss
        scaler = self._scaler
        (scaler.scale(scaled) if scaler is not None else scaled).backward()
        loss = loss.detach()
        self._running.add(loss, _batches.size(batch), extra, _detached(preds), target)
        return loss

    def _optimizer_step(self) -> None:
        opt, scaler = self.optimizer, self._scaler
        if scaler is not None:
            scaler.unscale_(opt)  # clip true gradients, not scaled ones
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], self.grad_clip)
        stepped = True
        if scaler is not None:
            stepped = scaler.step(opt) is not False
            scaler.update()
            self.skipped_steps += not stepped
        else:
            opt.step()
        opt.zero_grad()
        self.global_step += 1
        if stepped:
            self._step_scheduler("step")

    def _step_scheduler(self, interval: str) -> None:
        if self.scheduler is None or self._sched_interval != interval:
            return
        if isinstance(self.scheduler, optim.lr_scheduler.ReduceLROnPlateau):
            if self._sched_monitor not in self.metrics:
                raise KeyError(f"Trainer: ReduceLROnPlateau monitors {self._sched_monitor!r}, which is not among "
                               f"the logged metrics {sorted(self.metrics)}")
            self.scheduler.step(self.metrics[self._sched_monitor])
        else:
            self.scheduler.step()

    # -- evaluation ---------------------------------------------------------------------------------------------
    def validate(self, model, val_loader, *, loss_fn=None, metrics: dict[str, Metric] | None = None) -> dict:
        """One pass over ``val_loader`` in eval mode without recording: ``{"val_loss": ..., "val_<metric>": ...}``."""
        self._setup(model, loss_fn, metrics, keep=True)
        values = self._evaluate(val_loader, "val", "validation_step")
        self._call("on_validation_end", values)
        return values

    def test(self, model, test_loader, *, loss_fn=None, metrics: dict[str, Metric] | None = None) -> dict:
        """As ``validate``, with ``test_step`` when the model has one, logged as ``test_*``."""
        self._setup(model, loss_fn, metrics, keep=True)
        step = "test_step" if hasattr(self.model, "test_step") else "validation_step"
        return self._evaluate(test_loader, "test", step)

    def predict(self, model, loader) -> Any:
        """The model's outputs over ``loader`` (``predict_step`` when it has one), concatenated along the first
        axis when they are arrays, else as a list."""
        self._setup(model, None, None, keep=True)
        self.model.eval()
        outputs = []
        with nr.no_grad(), self._autocast():
            for index, batch in enumerate(loader):
                batch = _batches.to_device(batch, self.device)
                if hasattr(self.model, "predict_step"):
                    outputs.append(self.model.predict_step(batch, index))
                else:
                    outputs.append(self.model(*_batches.split(batch, "Trainer.predict")[0]))
        if outputs and all(isinstance(o, nr.Tensor) for o in outputs):
            return nr.concat(outputs, axis=0)
        return outputs

    def _evaluate(self, loader, prefix: str, step_name: str) -> dict[str, float]:
        self.model.eval()
        running = Running(self._metrics)
        with nr.no_grad(), self._autocast():
            for index, batch in enumerate(loader):
                batch = _batches.to_device(batch, self.device)
                loss, extra, preds, target = self._step(self.model, step_name, batch, index)
                running.add(None if loss is None else loss.detach(), _batches.size(batch), extra, preds, target)
        self.model.train()
        return running.values(prefix)

    def running_values(self) -> dict[str, float]:
        """The training loss and metrics of the epoch so far (one device sync; the progress bar's postfix)."""
        return {} if self._running is None else self._running.values("train")

    # -- one step, either protocol ----------------------------------------------------------------------------
    def _step(self, model, step_name: str, batch, index: int):
        """(loss, extra values, preds, target) of one batch, from the model's ``*_step`` or ``loss_fn``."""
        step = getattr(model, step_name, None)
        if step is not None:
            out = step(batch, index)
            if not isinstance(out, dict):
                return out, {}, None, None
            extra = {k: v for k, v in out.items() if k not in ("loss", "preds", "target")}
            return out.get("loss"), extra, out.get("preds"), out.get("target")
        if self.loss_fn is None:
            raise ValueError(f"Trainer: pass loss_fn=, or define {step_name}(batch, batch_idx) on the model")
        inputs, target = _batches.split(batch, f"Trainer ({step_name})")
        if target is None:
            raise ValueError(f"Trainer: batches of one array have no target for loss_fn; yield (inputs, target) "
                             f"or define {step_name} on the model")
        preds = model(*inputs)
        return self.loss_fn(preds, target), {}, preds, target

    # -- checkpoints --------------------------------------------------------------------------------------------
    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the whole training state to ``path`` (atomically): enough for ``fit(..., ckpt_path=path)`` to go on
        exactly as if the run had never stopped."""
        done = self._epoch_done
        loader = self.train_loader
        save_checkpoint({
            "epoch": self.epoch + 1 if done else self.epoch,
            "batch_idx": 0 if done else self.batch_idx,
            "global_step": self.global_step,
            "should_stop": self.should_stop,
            "history": self.history,
            "running": None if done or self._running is None else self._running.state_dict(),
            "metrics": {} if done else dict(self.metrics),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "scaler": None if self._scaler is None else self._scaler.state_dict(),
            "callbacks": {key: cb.state_dict() for key, cb in self._keyed_callbacks()},
            "loader": loader.state_dict() if hasattr(loader, "state_dict") else None,
            "rng": _rng.capture(),
        }, path)

    def _restore(self, state: dict) -> None:
        if state["batch_idx"] and state["loader"] is None:
            raise ValueError("Trainer.fit: the checkpoint was written inside an epoch, and resuming there needs a "
                             "train loader with state_dict/load_state_dict (nr_data.DataLoader has them)")
        if state["batch_idx"] and not hasattr(self.train_loader, "load_state_dict"):
            raise ValueError(f"Trainer.fit: the checkpoint was written inside an epoch, but the train loader "
                             f"({type(self.train_loader).__name__}) has no load_state_dict to resume there")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self._scaler is not None and state["scaler"] is not None:
            self._scaler.load_state_dict(state["scaler"])
        saved = state["callbacks"]
        for key, cb in self._keyed_callbacks():
            if key in saved:
                cb.load_state_dict(saved[key])
        if state["loader"] is not None and hasattr(self.train_loader, "load_state_dict"):
            self.train_loader.load_state_dict(state["loader"])
        self.epoch, self.batch_idx, self.global_step = state["epoch"], state["batch_idx"], state["global_step"]
        self.should_stop, self.history, self.metrics = state["should_stop"], state["history"], state["metrics"]
        if state["running"] is not None:
            self._running = Running(self._metrics)
            self._running.load_state_dict(state["running"])
        _rng.restore(state["rng"])

    def _checkpoint_to_resume(self, ckpt_path) -> str | None:
        if ckpt_path != "last":
            path = os.fspath(ckpt_path)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"Trainer.fit: ckpt_path {path!r} does not exist")
            return path
        checkpoints = [cb for cb in self.callbacks if isinstance(cb, ModelCheckpoint)]
        if not checkpoints:
            raise ValueError('Trainer.fit: ckpt_path="last" needs a ModelCheckpoint callback (its dirpath holds '
                             "last.safetensors)")
        path = checkpoints[0].last_path
        if not os.path.isfile(path):
            warnings.warn(f"Trainer.fit: no {path} yet; training from the start", UserWarning, stacklevel=3)
            return None
        return path

    def _interrupt(self) -> None:
        """A signal arrived: save a last checkpoint (into every ModelCheckpoint's folder), then leave."""
        checkpoints = [cb for cb in self.callbacks if isinstance(cb, ModelCheckpoint)]
        for cb in checkpoints:
            cb.save_last_checkpoint(self)
        if not checkpoints:
            warnings.warn("Trainer: interrupted without a ModelCheckpoint callback; no checkpoint was saved",
                          UserWarning, stacklevel=2)
        self._guard.stop()

    def _keyed_callbacks(self):
        """(key, callback): the class name, numbered from the second of a kind, in the order given."""
        seen: dict[str, int] = {}
        for cb in self.callbacks:
            name = type(cb).__name__
            seen[name] = seen.get(name, 0) + 1
            yield (name if seen[name] == 1 else f"{name}-{seen[name]}"), cb

    # -- setup ----------------------------------------------------------------------------------------------------
    def _setup(self, model, loss_fn, metrics, keep: bool = False) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"Trainer: model must be an nr_nn.Module, got {type(model).__name__}")
        if self.device is None:
            params = list(model.parameters())
            self.device = params[0].device if params else _resolve_device(None)
        self.model = model.to(self.device)
        if loss_fn is not None or not keep:
            self.loss_fn = loss_fn
        if self.loss_fn is None and not hasattr(model, "training_step") and not keep:
            raise ValueError("Trainer.fit: pass loss_fn=, or define training_step(batch, batch_idx) on the model")
        if metrics is not None or not keep:
            metrics = dict(metrics or {})
            for name, m in metrics.items():
                if not isinstance(m, Metric):
                    raise TypeError(f"Trainer: metrics[{name!r}] must be an nr_train.metrics Metric, "
                                    f"got {type(m).__name__}")
            self._metrics = metrics

    def _setup_optimization(self, optimizer, scheduler) -> None:
        interval, monitor = "epoch", "val_loss"
        if optimizer is None:
            configure = getattr(self.model, "configure_optimizers", None)
            if configure is None:
                raise ValueError("Trainer.fit: pass optimizer=, or define configure_optimizers() on the model")
            optimizer, scheduler, interval, monitor = _unpack_optimizers(configure(), scheduler)
        elif isinstance(scheduler, dict):
            scheduler, interval, monitor = (scheduler["scheduler"], scheduler.get("interval", "epoch"),
                                            scheduler.get("monitor", "val_loss"))
        if not isinstance(optimizer, optim.Optimizer):
            raise TypeError(f"Trainer.fit: optimizer must be an nr_optim.Optimizer, got {type(optimizer).__name__}")
        if interval not in ("epoch", "step"):
            raise ValueError(f"Trainer.fit: a scheduler's interval is 'epoch' or 'step', got {interval!r}")
        self.optimizer, self.scheduler = optimizer, scheduler
        self._sched_interval, self._sched_monitor = interval, monitor
        self._scaler = None if self.precision is None else self.precision.new_scaler()

    def _autocast(self):
        return contextlib.nullcontext() if self.precision is None else self.precision.autocast(self.device.kind)

    def _call(self, hook: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(self, self.model, *args)


def _detached(x):
    return x.detach() if isinstance(x, nr.Tensor) else x


def _resolve_device(device) -> nr.Device:
    """The Device of a string or Device, checked now (an unavailable backend fails before training)."""
    return nr.zeros((), device=device).device


def _unpack_optimizers(config, scheduler):
    """configure_optimizers' forms -> (optimizer, scheduler, interval, monitor)."""
    interval, monitor = "epoch", "val_loss"
    if isinstance(config, dict):
        if "optimizer" not in config:
            raise ValueError(f"configure_optimizers: a dict needs an 'optimizer' key, got {sorted(config)}")
        return (config["optimizer"], config.get("lr_scheduler", scheduler), config.get("interval", interval),
                config.get("monitor", monitor))
    if isinstance(config, (tuple, list)):
        if len(config) != 2:
            raise ValueError(f"configure_optimizers: return an optimizer or (optimizer, scheduler), got "
                             f"{len(config)} items")
        return config[0], config[1], interval, monitor
    return config, scheduler, interval, monitor
