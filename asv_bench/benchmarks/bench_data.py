"""nr_data: one DataLoader epoch (in process and with worker processes), default_collate, per-sample transforms."""
from __future__ import annotations

import numpy as np
import nr_core as nr
import nr_data as data
from nr_data import transforms as T

N, BATCH = 20_000, 64


class NormalizedImages(data.Dataset):
    """1x28x28 float32 images with a per-sample Normalize (the shape of an MNIST pipeline)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.x, self.y = nr.asarray(images), nr.asarray(labels)
        self.transform = T.Normalize((0.1307,), (0.3081,))

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return self.transform(self.x[i]), self.y[i]


def _dataset() -> NormalizedImages:
    rng = np.random.default_rng(0)
    return NormalizedImages(rng.random((N, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, N))


class DataLoaderEpoch:
    params = (["cpu"], [0, 2])
    param_names = ["device", "num_workers"]
    timeout = 300

    def setup(self, device, num_workers):
        self.loader = data.DataLoader(_dataset(), batch_size=BATCH, shuffle=True, num_workers=num_workers,
                                      device=device)

    def time_epoch(self, device, num_workers):
        for _ in self.loader:
            pass


class PersistentWorkersEpoch:
    params = (["cpu"],)
    param_names = ["device"]
    timeout = 300

    def setup(self, device):
        self.loader = data.DataLoader(_dataset(), batch_size=BATCH, shuffle=True, num_workers=2,
                                      persistent_workers=True, device=device)
        for _ in self.loader:  # start the workers outside the timing
            pass

    def time_epoch(self, device):
        for _ in self.loader:
            pass


class Collate:
    params = ([64, 256],)
    param_names = ["batch_size"]

    def setup(self, batch_size):
        rng = np.random.default_rng(0)
        self.samples = [(rng.random((3, 32, 32), dtype=np.float32), int(i)) for i in range(batch_size)]

    def time_default_collate(self, batch_size):
        data.default_collate(self.samples)


class Transforms:
    params = (["cpu"],)
    param_names = ["device"]

    def setup(self, device):
        self.x = nr.asarray(np.random.default_rng(0).random((3, 64, 64), dtype=np.float32), device=device)
        self.augment = T.Compose([T.RandomResizedCrop(32, generator=0), T.RandomHorizontalFlip(generator=0),
                                  T.ColorJitter(0.4, 0.4, 0.4, generator=0), T.Normalize((0.5,) * 3, (0.25,) * 3)])
        self.normalize = T.Normalize((0.5,) * 3, (0.25,) * 3)

    def time_normalize(self, device):
        self.normalize(self.x)

    def time_augment_pipeline(self, device):
        self.augment(self.x)
