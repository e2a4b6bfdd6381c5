"""default_collate: nested structures to batched nr arrays, checked against numpy and torch's default_collate."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import nr_core as nr
import nr_data as data
import pytest

Point = namedtuple("Point", "x y")


def test_nested_structures():
    rng = np.random.default_rng(0)
    samples = [{"img": rng.random((2, 3), dtype=np.float32), "label": i, "w": 0.5 * i, "flag": i % 2 == 0,
                "name": f"s{i}", "pair": (nr.asarray([i, i + 1]), np.float64(i)), "pt": Point(i, -i)}
               for i in range(4)]
    batch = data.default_collate(samples)
    np.testing.assert_array_equal(batch["img"].numpy(), np.stack([s["img"] for s in samples]))
    assert batch["label"].dtype == nr.int64 and batch["label"].tolist() == [0, 1, 2, 3]
    assert batch["w"].dtype == nr.float32 and batch["w"].tolist() == [0.0, 0.5, 1.0, 1.5]  # nr's default float
    assert batch["flag"].dtype == nr.bool and batch["flag"].tolist() == [True, False, True, False]
    assert batch["name"] == ["s0", "s1", "s2", "s3"]
    assert isinstance(batch["pair"], list)  # tuples come back as lists, as in torch
    assert batch["pair"][0].tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]
    assert batch["pair"][1].dtype == nr.float64  # numpy scalars keep their dtype
    assert isinstance(batch["pt"], Point) and batch["pt"].y.tolist() == [0, -1, -2, -3]


def test_matches_torch_default_collate():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    rng = np.random.default_rng(1)
    samples = [(rng.random((3,), dtype=np.float32), int(rng.integers(10)), [np.int32(i), np.int32(2 * i)])
               for i in range(5)]
    ours, ref = data.default_collate(samples), torch_collate(samples)
    np.testing.assert_array_equal(ours[0].numpy(), ref[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), ref[1].numpy())
    assert ours[2][1].dtype == nr.int32 and ref[2][1].dtype == torch.int32
    np.testing.assert_array_equal(ours[2][1].numpy(), ref[2][1].numpy())


def test_errors():
    with pytest.raises(ValueError, match="same shape"):
        data.default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        data.default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="found builtins.object"):
        data.default_collate([object(), object()])


def test_default_convert():
    out = data.default_convert({"a": np.arange(3), "b": [np.ones(2)], "c": "text"})
    assert isinstance(out["a"], nr.Tensor) and out["a"].tolist() == [0, 1, 2]
    assert isinstance(out["b"][0], nr.Tensor) and out["c"] == "text"
