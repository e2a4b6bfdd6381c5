"""Datasets: TensorDataset, ConcatDataset, Subset, random_split, CSVDataset, ImageFolder (tiny PNG/JPEG files)."""
from __future__ import annotations

import numpy as np
import nr_core as nr
import nr_data as data
import pytest


def test_tensor_dataset():
    x = nr.asarray(np.arange(12, dtype=np.float32).reshape(6, 2))
    y = nr.asarray(np.arange(6))
    ds = data.TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.tolist() == [8.0, 9.0] and yi.item() == 4
    with pytest.raises(ValueError, match="same first dimension"):
        data.TensorDataset(x, nr.asarray(np.arange(5)))


def test_concat_and_subset():
    a, b = list(range(3)), list(range(10, 15))
    cat = data.ConcatDataset([a, b])
    assert len(cat) == 8 and [cat[i] for i in range(8)] == a + b and cat[-1] == 14
    with pytest.raises(IndexError):
        cat[8]
    sub = data.Subset(b, [4, 0])
    assert len(sub) == 2 and [sub[0], sub[1]] == [14, 10]
    d = data.TensorDataset(nr.asarray(np.arange(3)))
    assert len(d + d) == 6


def test_random_split_lengths_fractions_and_seed():
    ds = list(range(10))
    parts = data.random_split(ds, [0.8, 0.2], seed=0)
    assert [len(p) for p in parts] == [8, 2]
    merged = sorted(p[i] for p in parts for i in range(len(p)))
    assert merged == ds
    perm = np.random.default_rng(0).permutation(10).tolist()
    assert [parts[0][i] for i in range(8)] == perm[:8]
    again = data.random_split(ds, [0.8, 0.2], seed=0)
    assert again[1].indices == parts[1].indices
    assert [len(p) for p in data.random_split(ds, [0.33, 0.33, 0.34], seed=1)] == [4, 3, 3]  # remainder round-robin
    assert [len(p) for p in data.random_split(ds, [3, 7], generator=np.random.default_rng(2))] == [3, 7]
    with pytest.raises(ValueError, match="sum"):
        data.random_split(ds, [3, 8])


def test_csv_dataset(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text("sepal,petal,count,species\n5.1,1.4,3,setosa\n7.0,4.7,2,versicolor\n6.3,,1,virginica\n"
                    "4.9,1.5,5,setosa\n")
    ds = data.CSVDataset(path, target="species")
    assert len(ds) == 4 and ds.feature_columns == ["sepal", "petal", "count"]
    assert ds.classes == ["setosa", "versicolor", "virginica"]
    x, y = ds[1]
    assert x.dtype == nr.float32 and np.allclose(x.numpy(), [7.0, 4.7, 2.0]) and y == 1
    assert np.isnan(ds[2][0].numpy()[1])  # empty cell -> NaN
    ds = data.CSVDataset(path, target="count", columns=["sepal"], feature_dtype=nr.float64)
    x, y = ds[3]
    assert x.dtype == nr.float64 and x.tolist() == [4.9] and y == 5 and y.dtype == np.int64
    assert data.CSVDataset(path, target="count", columns=[0], dtypes={"count": nr.float64})[3][1].dtype == np.float64
    with pytest.raises(ValueError, match="does not parse as int64"):
        data.CSVDataset(path, target="count", columns=[0], dtypes={"sepal": nr.int64})
    batch = next(iter(data.DataLoader(ds, batch_size=4)))
    assert batch[1].dtype == nr.int64 and batch[1].tolist() == [3, 2, 1, 5]
    nohead = tmp_path / "plain.csv"
    nohead.write_text("1,2,0.5\n3,4,1.5\n")
    ds = data.CSVDataset(nohead, target=2, header=False)
    assert ds[1][0].tolist() == [3.0, 4.0] and ds[1][1] == np.float32(1.5)
    with pytest.raises(TypeError, match="holds strings"):
        data.CSVDataset(path, target="count")
    with pytest.raises(KeyError, match="no column 'nope'"):
        data.CSVDataset(path, target="nope")


def test_image_folder(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    pixels = {}
    for cls, ext in (("dog", "png"), ("cat", "png"), ("cat", "jpg")):
        (tmp_path / cls).mkdir(exist_ok=True)
        arr = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
        name = tmp_path / cls / f"img_{ext}.{ext}"
        Image.fromarray(arr).save(name)
        pixels[str(name)] = arr
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    ds = data.ImageFolder(tmp_path)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [t for _, t in ds.samples] == [0, 0, 1] and ds.targets == [0, 0, 1]
    img, target = ds[2]
    assert target == 1 and img.size == (4, 5)
    np.testing.assert_array_equal(np.asarray(img), pixels[ds.samples[2][0]])
    ds = data.ImageFolder(tmp_path, transform=data.transforms.ToTensor())
    xb, yb = next(iter(data.DataLoader(ds, batch_size=3, num_workers=2)))
    assert xb.shape == (3, 3, 5, 4) and yb.tolist() == [0, 0, 1]
    png = ds.samples[1][0]
    np.testing.assert_allclose(xb.numpy()[1], pixels[png].transpose(2, 0, 1) / 255.0, rtol=1e-6)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no valid file for class 'empty'"):
        data.ImageFolder(tmp_path)
