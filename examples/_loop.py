"""The training loop and held-out accuracy the small examples share (the demo has its own, with progress bars)."""
from __future__ import annotations

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_nn.functional as F


def fit(model, dataset, opt, device: str, epochs: int, batch_size: int = 32, clip: float | None = None) -> None:
    """``epochs`` passes of shuffled mini-batches with cross-entropy; ``clip`` bounds the gradient norm."""
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        for xb, yb in data.DataLoader(dataset, batch_size=batch_size, shuffle=True, device=device):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()


def accuracy(model, x, y, device: str) -> float:
    """Fraction of ``x`` (host data) that ``model`` classifies as ``y``, in eval mode without recording."""
    model.eval()
    with nr.no_grad():
        pred = nr.argmax(model(nr.asarray(x, device=device)), axis=1)
    return float(nr.mean(nr.astype(pred == nr.asarray(y, device=device), nr.float32)))


def evaluate(model, loader) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` over a loader's batches, in eval mode without recording."""
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    with nr.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            total_loss += float(F.cross_entropy(logits, yb, reduction="sum"))
            correct += int(nr.sum(nr.argmax(logits, axis=1) == yb))
            n += yb.shape[0]
    return total_loss / n, correct / n
