"""An LSTM classifier on generated sine waves: which frequency made each noisy sequence?

    python examples/lstm_sequence.py [--device cpu] [--epochs 15]
"""
import argparse

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_optim as optim
from _device import best_device
from _loop import accuracy, fit
from _sequences import sine_frequencies


class LSTMClassifier(nn.Module):
    def __init__(self, hidden: int = 32, n_classes: int = 4):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def run(device: str, epochs: int = 15, n_train: int = 800, seed: int = 0) -> float:
    nr.random.seed(seed)
    x, y = sine_frequencies(n_train + 200, seed=seed)
    train = data.TensorDataset(nr.asarray(x[:n_train]), nr.asarray(y[:n_train]))
    model = LSTMClassifier().to(device)
    # gradient clipping is the usual guard against exploding LSTM gradients
    fit(model, train, optim.Adam(model.parameters(), lr=5e-3), device, epochs, batch_size=64, clip=1.0)
    return accuracy(model, x[n_train:], y[n_train:], device)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    device = best_device(args.device)
    print(f"LSTM on sine frequencies, {device}: held-out accuracy {run(device, args.epochs):.4f}")
