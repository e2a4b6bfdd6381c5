"""Datasets read from files: CSVDataset (typed columns of a CSV file) and ImageFolder (one folder per class)."""
from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence

import numpy as np
import nr_core as nr
from nr_core import dtypes as _d

from .dataset import Dataset


def _float_cell(v: str) -> float:
    return float(v) if v.strip() else np.nan  # an empty cell is a missing value


def _parse_all(values: list[str], parse: Callable):
    try:
        return [parse(v) for v in values]
    except ValueError:
        return None


def _infer_column(values: list[str]) -> np.ndarray:
    """int64 if every value is an int, else float64 (empty cells become NaN), else a string column."""
    for parse, dt in ((int, np.int64), (_float_cell, np.float64)):
        parsed = _parse_all(values, parse)
        if parsed is not None:
            return np.array(parsed, dtype=dt)
    return np.array(values, dtype=object)


def _typed_column(name: str, values: list[str], dtype):
    if dtype == "str":
        return np.array(values, dtype=object)
    if dtype is not None:
        if not isinstance(dtype, _d.DType):
            raise TypeError(f"CSVDataset: dtype of column {name!r} should be an nr dtype or 'str', got {dtype!r}")
        cells = _parse_all(values, _float_cell if dtype.kind in ("float", "complex") else int)
        if cells is None:
            raise ValueError(f"CSVDataset: column {name!r} does not parse as {dtype.name}")
        return np.array(cells, dtype=dtype.numpy)
    return _infer_column(values)


class CSVDataset(Dataset):
    """Rows of a CSV file as ``(features, target)`` samples (just ``features`` when ``target`` is None).

    Columns are named by the header (or by position, when ``header=False``). Column types come from ``dtypes``
    (``{column: nr dtype or "str"}``), else are inferred: int64, float (empty cells are NaN), or str.
    ``features`` is an nr array of the numeric feature columns (``columns``, default: all but the target) in
    ``feature_dtype`` (nr's default float). An int or float target is returned as a numpy scalar of its type;
    a string target as an int64 index into the sorted ``classes``.
    """

    def __init__(self, path: str | os.PathLike, target: str | int | None = None,
                 columns: Sequence[str | int] | None = None, dtypes: dict | None = None, header: bool = True,
                 delimiter: str = ",", feature_dtype=None, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f, delimiter=delimiter) if r]
        if header:
            if not rows:
                raise ValueError(f"CSVDataset: {os.fspath(path)!r} is empty, expected a header row")
            names, rows = rows[0], rows[1:]
        else:
            names = [str(i) for i in range(len(rows[0]) if rows else 0)]
        for n, r in enumerate(rows, start=2 if header else 1):
            if len(r) != len(names):
                raise ValueError(f"CSVDataset: line {n} of {os.fspath(path)!r} has {len(r)} fields, expected "
                                 f"{len(names)}")
        self.path = os.fspath(path)
        self.column_names = names
        dtypes = {self._name(k): v for k, v in (dtypes or {}).items()}
        cols = {name: _typed_column(name, [r[i] for r in rows], dtypes.get(name)) for i, name in enumerate(names)}
        self.target_column = None if target is None else self._name(target)
        features = [self._name(c) for c in columns] if columns is not None else \
            [n for n in names if n != self.target_column]
        for name in features:
            if cols[name].dtype == object:
                raise TypeError(f"CSVDataset: feature column {name!r} holds strings; give it a numeric dtype, "
                                "leave it out of columns=, or make it the target")
        self.feature_columns = features
        fdt = (feature_dtype or _d.default_float).numpy
        self.data = np.stack([cols[n].astype(fdt) for n in features], axis=1) if features else \
            np.empty((len(rows), 0), dtype=fdt)
        self.classes: list[str] = []
        self.class_to_idx: dict[str, int] = {}
        self.targets = None
        if self.target_column is not None:
            t = cols[self.target_column]
            if t.dtype == object:
                self.classes = sorted(set(t.tolist()))
                self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
                t = np.array([self.class_to_idx[v] for v in t], dtype=np.int64)
            elif t.dtype == np.float64 and self.target_column not in dtypes:
                t = t.astype(_d.default_float.numpy)
            self.targets = t
        self.transform = transform
        self.target_transform = target_transform

    def _name(self, column) -> str:
        if isinstance(column, int) and not isinstance(column, bool):
            if not -len(self.column_names) <= column < len(self.column_names):
                raise IndexError(f"CSVDataset: column index {column} out of range for {len(self.column_names)} "
                                 "columns")
            return self.column_names[column]
        if column not in self.column_names:
            raise KeyError(f"CSVDataset: no column {column!r}; columns are {self.column_names}")
        return column

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int):
        x = nr.asarray(self.data[index], device="cpu")
        if self.transform is not None:
            x = self.transform(x)
        if self.targets is None:
            return x
        y = self.targets[index]
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y


IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path: str):
    """Open an image file with Pillow as RGB."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("ImageFolder needs Pillow: pip install 'nr-data[images]'") from None
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


class ImageFolder(Dataset):
    """Images in ``root/<class>/**/<file>``: samples are ``(image, class_index)``, classes the sorted folder names.

    Torchvision's semantics: ``classes``, ``class_to_idx``, ``samples`` (path, index), ``targets``; images are
    PIL RGB images unless ``transform`` (e.g. ``transforms.ToTensor()``) converts them.
    """

    def __init__(self, root: str | os.PathLike, transform: Callable | None = None,
                 target_transform: Callable | None = None, loader: Callable[[str], object] | None = None,
                 is_valid_file: Callable[[str], bool] | None = None, allow_empty: bool = False) -> None:
        self.root = os.fspath(root)
        if not os.path.isdir(self.root):
            raise FileNotFoundError(f"ImageFolder: {self.root!r} is not a directory")
        self.classes = sorted(e.name for e in os.scandir(self.root) if e.is_dir())
        if not self.classes:
            raise FileNotFoundError(f"ImageFolder: couldn't find any class folder in {self.root!r}")
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        valid = is_valid_file or (lambda p: p.lower().endswith(IMG_EXTENSIONS))
        self.samples: list[tuple[str, int]] = []
        for cls in self.classes:
            found = []
            for dirpath, dirnames, files in os.walk(os.path.join(self.root, cls), followlinks=True):
                dirnames.sort()
                found += [os.path.join(dirpath, f) for f in sorted(files) if valid(os.path.join(dirpath, f))]
            if not found and not allow_empty:
                raise FileNotFoundError(f"ImageFolder: found no valid file for class {cls!r}; supported "
                                        f"extensions are {', '.join(IMG_EXTENSIONS)}")
            self.samples += [(p, self.class_to_idx[cls]) for p in found]
        self.imgs = self.samples
        self.targets = [t for _, t in self.samples]
        self.loader = loader or pil_loader
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target
