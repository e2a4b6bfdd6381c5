"""nr_train: one epoch of the demo's digits CNN (train + held-out evaluation, loss and accuracy logged) through the
Trainer and through the hand-written loop it replaces; the Trainer's overhead is their ratio
(../compare_train.py prints it from alternated rounds in one process)."""
import numpy as np

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_nn.functional as F
import nr_optim as optim

from ._devices import available_devices

BATCH = 32


def digits_cnn():
    """The demo's DigitsCNN: two 3x3 convolutions, a 2x2 max-pool, a small head with dropout."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(64, 10))


def make_epoch(loop: str, device: str = "cpu"):
    """A closure running one epoch (45 batches of 32) and one held-out pass, the hand-written way or the Trainer's."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = nr.asarray((digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8))
    y = nr.asarray(digits.target.astype(np.int64))
    nr.random.seed(0)
    train, test = data.random_split(data.TensorDataset(x, y), [0.8, 0.2], seed=0)
    train_loader = data.DataLoader(train, batch_size=BATCH, shuffle=True, device=device)
    test_loader = data.DataLoader(test, batch_size=256, device=device)
    model = digits_cnn().to(device)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    if loop == "trainer":
        from nr_train import Trainer
        from nr_train.metrics import Accuracy
        trainer = Trainer(max_epochs=1, device=device, progress=False)
        loss_fn, metrics = nn.CrossEntropyLoss(), {"acc": Accuracy(num_classes=10)}

        def epoch():
            return trainer.fit(model, train_loader, test_loader, optimizer=opt, loss_fn=loss_fn, metrics=metrics)
        return epoch

    def evaluate():
        model.eval()
        total, correct, n = 0.0, 0, 0
        with nr.no_grad():
            for xb, yb in test_loader:
                logits = model(xb)
                total += float(F.cross_entropy(logits, yb, reduction="sum"))
                correct += int(nr.sum(nr.argmax(logits, axis=1) == yb))
                n += yb.shape[0]
        return total / n, correct / n

    def epoch():
        model.train()
        seen, loss_sum, correct = 0, 0.0, 0
        for xb, yb in train_loader:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += yb.shape[0]
            loss_sum += float(loss) * yb.shape[0]
            correct += int(nr.sum(nr.argmax(logits, axis=1) == yb))
        return loss_sum / seen, correct / seen, evaluate()
    return epoch


class TrainerOverhead:
    params = (available_devices(), ["hand", "trainer"])
    param_names = ["device", "loop"]
    timeout = 300

    def setup(self, device, loop):
        self.epoch = make_epoch(loop, device)
        self.epoch()  # warm caches and the allocator outside the timing

    def time_epoch(self, device, loop):
        self.epoch()
