"""The acceptance models of the ONNX round trips: an MLP, the digits CNN (BatchNorm, Dropout, pooling), an LSTM
classifier, a TransformerEncoder classifier and ResNet-18-style residual blocks, with example inputs."""
import numpy as np

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F


class MLP(nn.Module):
    """Three linear layers with ReLU and Tanh, log-probabilities out."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 10))

    def forward(self, x):
        return F.log_softmax(self.net(x), dim=1)


class DigitsCNN(nn.Module):
    """8x8 digits: conv, BatchNorm, conv, max and average pooling, then Dropout between linear layers."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.AvgPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 2 * 2, 32), nn.ReLU(), nn.Dropout(0.2),
                                  nn.Linear(32, 10))

    def forward(self, x):
        return self.head(self.features(x))


class LSTMClassifier(nn.Module):
    """A two-layer batch-first LSTM; the head reads the last hidden state and a summary of the outputs."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 8, num_layers=2, batch_first=True)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(h[-1]) + out.mean(axis=1).sum(axis=1, keepdims=True)


class TokenTransformer(nn.Module):
    """Token embedding plus learned positions, two TransformerEncoder layers (GELU), mean-pooled head."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(8, 16)
        self.pos = nn.Parameter(nr.random.normal((6, 16), std=0.02))
        layer = nn.TransformerEncoderLayer(16, nhead=4, dim_feedforward=32, dropout=0.1, batch_first=True,
                                           activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(16, 3)

    def forward(self, tokens):
        h = self.encoder(self.embed(tokens) + self.pos)
        return F.softmax(self.head(nr.mean(h, axis=1)), dim=-1)


class Block(nn.Module):
    """A ResNet-18 basic block: two 3x3 conv+BN, a 1x1 projection shortcut when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.down is None else self.down(x)))


class ResNetish(nn.Module):
    """A ResNet-18-style stem and two stages of basic blocks, global average pooling, a linear head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d(3, stride=2, padding=1))
        self.layer1 = nn.Sequential(Block(8, 8, 1), Block(8, 8, 1))
        self.layer2 = nn.Sequential(Block(8, 16, 2), Block(16, 16, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(nr.reshape(self.pool(x), (x.shape[0], -1)))


def example(name: str, batch: int, seed: int = 0):
    """(model in eval mode, example input of ``batch`` rows), deterministic for ``seed``."""
    nr.random.seed(seed)
    rng = np.random.default_rng(seed)
    model, shape = {"mlp": (MLP, (64,)), "cnn": (DigitsCNN, (1, 8, 8)), "lstm": (LSTMClassifier, (5, 3)),
                    "transformer": (TokenTransformer, None), "resnet": (ResNetish, (3, 16, 16))}[name]
    m = model()
    if name in ("cnn", "resnet"):  # non-trivial running statistics, so eval-mode BatchNorm is really tested
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.copy_(nr.asarray(rng.normal(size=mod.num_features).astype(np.float32)))
                mod.running_var.copy_(nr.asarray(rng.uniform(0.5, 2, mod.num_features).astype(np.float32)))
    m.eval()
    if shape is None:
        x = nr.asarray(rng.integers(0, 8, (batch, 6)))
    else:
        x = nr.asarray(rng.normal(size=(batch,) + shape).astype(np.float32))
    return m, x


NAMES = ["mlp", "cnn", "lstm", "transformer", "resnet"]
