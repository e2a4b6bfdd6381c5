"""nr_data.DataLoader vs torch.utils.data.DataLoader, side by side in one process: 20,000 samples of 1x28x28
float32, a per-sample Normalize, batch 64, shuffled; one full epoch per round, rounds alternated, median reported.

    .venv/bin/python asv_bench/compare_data.py [--rounds 5] [--workers 0 2]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

N, BATCH, MEAN, STD = 20_000, 64, 0.1307, 0.3081


def make_nr_loader(images: np.ndarray, labels: np.ndarray, workers: int):
    import nr_core as nr
    import nr_data as data
    from nr_data import transforms as T

    class NormalizedImages(data.Dataset):
        def __init__(self):
            self.x, self.y = nr.asarray(images), nr.asarray(labels)
            self.transform = T.Normalize((MEAN,), (STD,))

        def __len__(self):
            return N

        def __getitem__(self, i):
            return self.transform(self.x[i]), self.y[i]

    return data.DataLoader(NormalizedImages(), batch_size=BATCH, shuffle=True, num_workers=workers)


def make_torch_loader(images: np.ndarray, labels: np.ndarray, workers: int):
    import torch
    from torch.utils.data import DataLoader, Dataset

    class NormalizedImages(Dataset):
        def __init__(self):
            self.x, self.y = torch.from_numpy(images), torch.from_numpy(labels)
            self.mean = torch.full((1, 1, 1), MEAN)
            self.std = torch.full((1, 1, 1), STD)

        def __len__(self):
            return N

        def __getitem__(self, i):
            return (self.x[i] - self.mean) / self.std, self.y[i]

    return DataLoader(NormalizedImages(), batch_size=BATCH, shuffle=True, num_workers=workers)


def epoch_time(loader) -> float:
    start = time.perf_counter()
    n = 0
    for xb, _ in loader:
        n += xb.shape[0]
    elapsed = time.perf_counter() - start
    assert n == N, n
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    images = rng.random((N, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, N)
    batches = -(-N // BATCH)
    print(f"{N} samples 1x28x28 float32, Normalize per sample, batch {BATCH} ({batches} batches/epoch), "
          f"median of {args.rounds} epochs (torch {torch.__version__})")
    for workers in args.workers:
        loaders = {"nr_data": make_nr_loader(images, labels, workers),
                   "torch": make_torch_loader(images, labels, workers)}
        times: dict[str, list[float]] = {k: [] for k in loaders}
        for k, loader in loaders.items():  # warm-up epoch each
            epoch_time(loader)
        for _ in range(args.rounds):
            for k, loader in loaders.items():
                times[k].append(epoch_time(loader))
        rate = {k: batches / statistics.median(v) for k, v in times.items()}
        print(f"num_workers={workers}: nr_data {rate['nr_data']:8.1f} batches/s   torch {rate['torch']:8.1f} "
              f"batches/s   ratio nr/torch {rate['nr_data'] / rate['torch']:.2f}")


if __name__ == "__main__":
    main()
