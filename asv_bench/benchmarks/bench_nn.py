"""nr_nn training steps (the workloads of shared/bench, see ../compare_nn.py for torch side by side):
MLP 784-256-128-10 with Adam, the small CNN (conv 1->16->32) with SGD momentum, LSTM(32->64) over 50 steps with
Adam, and the fused nn ops alone."""
import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F

from ._devices import available_devices

SEED = 0
N_CLASSES = 10


def batch(shape, seed, device):
    """float32 inputs and int64 labels, the same draws as shared/bench's ``_common._batch``."""
    rng = np.random.default_rng(SEED + seed)
    x = rng.standard_normal(shape, dtype="float32")
    y = rng.integers(0, N_CLASSES, shape[0]).astype(np.int64)
    return nr.asarray(x, device=device), nr.asarray(y, device=device)


def mlp_model():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, N_CLASSES))


def cnn_model():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, N_CLASSES))


class LSTMClassifier(nn.Module):
    """LSTM(32->64, batch_first) over the sequence, then a Linear head on the last hidden state."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(32, 64, batch_first=True)
        self.fc = nn.Linear(64, N_CLASSES)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


def _sgd_momentum(params, lr=0.01, momentum=0.9):
    """SGD with momentum written with nr ops: the fallback when nr_optim is not installed."""
    bufs = {}

    def step():
        with nr.no_grad():
            for p in params:
                b = bufs.get(id(p))
                b = p.grad if b is None else b * momentum + p.grad
                bufs[id(p)] = b
                p -= b * lr
    return step


def make_step(kind: str, device: str = "cpu", wrap=None):
    """A closure running one training step (zero_grad, forward, cross-entropy, backward, optimizer step);
    ``wrap`` (e.g. DistributedDataParallel) wraps the model."""
    nr.random.seed(SEED)
    if kind == "mlp":
        model, (x, y) = mlp_model().to(device), batch((128, 784), 4, device)
    elif kind == "lstm":
        model, (x, y) = LSTMClassifier().to(device), batch((32, 50, 32), 6, device)
    else:
        model, (x, y) = cnn_model().to(device), batch((64, 1, 28, 28), 5, device)
    if wrap is not None:
        model = wrap(model)
    params = list(model.parameters())
    try:
        import nr_optim
        opt = nr_optim.SGD(params, lr=0.01, momentum=0.9) if kind == "cnn" else nr_optim.Adam(params, lr=1e-3)
        update, zero = opt.step, opt.zero_grad
    except ImportError:
        update, zero = _sgd_momentum(params), model.zero_grad
    loss_fn = nn.CrossEntropyLoss()

    def step():
        zero()
        loss = loss_fn(model(x), y)
        loss.backward()
        update()
        return loss
    return step


class TrainStep:
    params = (available_devices(), ["mlp", "cnn", "lstm"])
    param_names = ["device", "workload"]

    def setup(self, device, workload):
        self.step = make_step(workload, device)
        self.step()

    def time_step(self, device, workload):
        self.step()


class FusedOps:
    params = available_devices()
    param_names = ["device"]

    def setup(self, device):
        rng = np.random.default_rng(0)
        self.x = nr.asarray(rng.standard_normal((64, 16, 14, 14), dtype="float32"), device=device)
        self.w = nr.asarray(rng.standard_normal((32, 16, 3, 3), dtype="float32"), device=device)
        self.logits = nr.asarray(rng.standard_normal((128, 1000), dtype="float32"), device=device)

    def time_conv2d(self, device):
        F.conv2d(self.x, self.w, padding=1)

    def time_max_pool2d(self, device):
        F.max_pool2d(self.x, 2)

    def time_log_softmax(self, device):
        F.log_softmax(self.logits, 1)

    def time_layer_norm(self, device):
        F.layer_norm(self.logits, (1000,))
