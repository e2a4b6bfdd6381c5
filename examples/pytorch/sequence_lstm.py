"""An LSTM classifies sequences by whether their running sum ever goes above a threshold, PyTorch style:
Embedding + LSTM (batch_first) + Linear head on the last hidden state, AdamW, cosine schedule, gradient
clipping, hand-built mini-batches from randperm."""
import argparse

import torch
import torch.nn as nn


class SequenceClassifier(nn.Module):
    def __init__(self, vocab=10, embed=16, hidden=32, classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=1, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, tokens):
        self.lstm.flatten_parameters()
        out, (h, c) = self.lstm(self.embedding(tokens))
        return self.head(h[-1])


def make_batch(n, length):
    tokens = torch.randint(0, 10, (n, length))
    values = tokens.float() - 4.5
    labels = (values.cumsum(dim=1).max(dim=1).values > 6).long()
    return tokens, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()
    torch.manual_seed(0)
    x_train, y_train = make_batch(768, 12)
    x_test, y_test = make_batch(256, 12)

    model = SequenceClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    criterion = nn.CrossEntropyLoss()
    batch_size = 64
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(x_train.size(0))
        running = 0.0
        for start in range(0, x_train.size(0), batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = criterion(model(x_train[idx]), y_train[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            running += loss.item()
        scheduler.step()
        model.eval()
        with torch.no_grad():
            logits = model(x_test)
            test_loss = criterion(logits, y_test).item()
            acc = (logits.argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch:2d} train {running / (x_train.size(0) // batch_size):.4f} "
              f"test {test_loss:.4f} accuracy {acc:.3f}")
    print(f"final loss {test_loss:.6f}")


if __name__ == "__main__":
    main()
