"""A small MLP fits a noisy 2-D function, PyTorch style: TensorDataset + DataLoader, Adam with a StepLR schedule,
gradient clipping, a checkpoint with the optimizer's state saved and reloaded, evaluation under no_grad."""
import argparse
import math
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.out(x).squeeze(-1)


def make_data(n, rng):
    x = rng.uniform(-2, 2, size=(n, 2)).astype(np.float32)
    y = np.sin(x[:, 0] * math.pi / 2) * x[:, 1] + 0.05 * rng.standard_normal(n)
    return torch.from_numpy(x), torch.tensor(y, dtype=torch.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = make_data(1024, rng)
    x_val, y_val = make_data(256, rng)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = MLP().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    criterion = nn.MSELoss()

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            total += loss.item() * xb.size(0)
        scheduler.step()
        if epoch % 10 == 0:
            lr = scheduler.get_last_lr()[0]
            print(f"epoch {epoch:3d}  train loss {total / len(loader.dataset):.4f}  lr {lr:.4f}")

    path = os.path.join(tempfile.mkdtemp(), "regression.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": args.epochs}, path)
    checkpoint = torch.load(path, map_location=device)
    restored = MLP().to(device)
    restored.load_state_dict(checkpoint["model"])
    restored.eval()
    with torch.no_grad():
        val_loss = F.mse_loss(restored(x_val.to(device)), y_val.to(device)).item()
    print(f"restored epoch {checkpoint['epoch']}, validation MSE {val_loss:.4f}")
    print(f"final loss {val_loss:.6f}")


if __name__ == "__main__":
    main()
