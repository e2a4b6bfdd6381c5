"""Batches of a TensorDataset (also through Subsets) are read with one gather per array: the same batches as
reading each sample and collating them, at a fraction of the per-sample cost."""
import numpy as np
import pytest

import nr_core as nr
import nr_data as data
from nr_data._fetch import MapFetcher


def _batches(dataset, **kw):
    nr.random.seed(3)
    return [[t.numpy() for t in b] for b in data.DataLoader(dataset, batch_size=4, shuffle=True, **kw)]


@pytest.mark.parametrize("wrap", ["plain", "subset", "nested-subset"])
def test_gathered_batches_equal_collated_samples(wrap):
    x = nr.asarray(np.random.default_rng(0).standard_normal((13, 3, 2)).astype(np.float32))
    y = nr.arange(13)
    ds = data.TensorDataset(x, y)
    if wrap != "plain":
        ds = data.Subset(ds, [12, 0, 5, 7, 3, 9, 1, 11, 2])
    if wrap == "nested-subset":
        ds = data.Subset(ds, [8, 1, 4, 6, 0, 2])
    fetcher = MapFetcher(ds, True, data.default_collate, False)
    assert fetcher.rows is not None
    fast = _batches(ds)
    slow = _batches(ds, collate_fn=lambda samples: data.default_collate(samples))  # the per-sample path
    assert len(fast) == len(slow)
    for fb, sb in zip(fast, slow):
        for f, s in zip(fb, sb):
            assert f.dtype == s.dtype
            np.testing.assert_array_equal(f, s)


def test_other_datasets_keep_the_per_sample_path():
    class Custom(data.TensorDataset):
        def __getitem__(self, i):
            return tuple(t[i] * 2 for t in self.tensors)
    assert MapFetcher(Custom(nr.arange(4.0)), True, data.default_collate, False).rows is None
    assert MapFetcher(data.TensorDataset(np.arange(4.0)), True, data.default_collate, False).rows is None


def test_out_of_range_indices_name_the_dataset():
    fetcher = MapFetcher(data.TensorDataset(nr.arange(4.0)), True, data.default_collate, False)
    with pytest.raises(IndexError, match="TensorDataset: index out of range for 4 samples"):
        fetcher.fetch([0, 4])
