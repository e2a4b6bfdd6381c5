"""nr_data: datasets, samplers, a DataLoader with worker processes and shared-memory batches, and transforms."""
from __future__ import annotations

from ._version import __version__
from ._worker import WorkerInfo, get_worker_info
from .arrays_on_disk import NpyArray, NpyDataset
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset,
                      random_split)
from .datasets_files import CSVDataset, ImageFolder
from .distributed import DistributedSampler
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from . import transforms

__all__ = ["BatchSampler", "CSVDataset", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler",
           "ImageFolder", "IterableDataset", "NpyArray", "NpyDataset", "RandomSampler", "Sampler", "SequentialSampler",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "__version__",
           "default_collate", "default_convert", "get_worker_info", "random_split", "transforms"]
