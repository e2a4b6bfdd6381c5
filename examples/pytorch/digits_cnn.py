"""A CNN classifies scikit-learn's 8x8 digits, PyTorch style: Conv2d/BatchNorm2d/MaxPool2d/Dropout, SGD with
momentum and weight decay, CrossEntropyLoss, accuracy from argmax, the state dict saved and loaded back."""
import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def evaluate(model, loader):
    model.eval()
    correct, total, loss = 0, 0, 0.0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            total += labels.size(0)
    return loss / total, correct / total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    torch.manual_seed(0)
    digits = load_digits()
    images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    labels = torch.tensor(digits.target, dtype=torch.long)
    perm = torch.randperm(len(labels))
    train_idx, test_idx = perm[:1400], perm[1400:]
    train = DataLoader(TensorDataset(images[train_idx], labels[train_idx]), batch_size=32, shuffle=True)
    test = DataLoader(TensorDataset(images[test_idx], labels[test_idx]), batch_size=128)

    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        for batch, (x, y) in enumerate(train):
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        test_loss, acc = evaluate(model, test)
        print("epoch {}: train loss {:.4f}, test loss {:.4f}, accuracy {:.3f}".format(epoch, loss.item(), test_loss,
                                                                                 acc))

    path = os.path.join(tempfile.mkdtemp(), "digits_cnn.pt")
    torch.save(model.state_dict(), path)
    fresh = Net()
    fresh.load_state_dict(torch.load(path))
    test_loss, acc = evaluate(fresh, test)
    print(f"reloaded: test loss {test_loss:.4f}, accuracy {acc:.3f}")
    print(f"final loss {test_loss:.6f}")


if __name__ == "__main__":
    main()
