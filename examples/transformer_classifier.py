"""A Transformer encoder classifier on generated token sequences: which of tokens 1, 2, 3 is the majority?

    python examples/transformer_classifier.py [--device cpu] [--epochs 20]
"""
import argparse

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_optim as optim
from _device import best_device
from _loop import accuracy, fit
from _sequences import majority_tokens

VOCAB, LENGTH, D_MODEL = 8, 16, 32


class TokenClassifier(nn.Module):
    def __init__(self, n_classes: int = 3):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Parameter(nr.random.normal((LENGTH, D_MODEL), std=0.02))
        self.encoder = nn.TransformerEncoderLayer(D_MODEL, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.head = nn.Linear(D_MODEL, n_classes)

    def forward(self, tokens):
        h = self.encoder(self.embed(tokens) + self.pos)
        return self.head(nr.mean(h, axis=1))


def run(device: str, epochs: int = 20, n_train: int = 1000, seed: int = 0) -> float:
    nr.random.seed(seed)
    x, y = majority_tokens(n_train + 300, LENGTH, VOCAB, seed=seed)
    train = data.TensorDataset(nr.asarray(x[:n_train]), nr.asarray(y[:n_train]))
    model = TokenClassifier().to(device)
    fit(model, train, optim.AdamW(model.parameters(), lr=3e-3), device, epochs, batch_size=50)
    return accuracy(model, x[n_train:], y[n_train:], device)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    device = best_device(args.device)
    print(f"Transformer on majority tokens, {device}: held-out accuracy {run(device, args.epochs):.4f}")
