"""NpyArray and NpyDataset: .npy files read a block at a time (checked against np.load), pickled as their path."""
import pickle

import numpy as np
import pytest

import nr_core as nr
import nr_data as data


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 3, 4)).astype(np.float32)
    y = rng.integers(0, 5, 50)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "f.npy", np.asfortranarray(x[:, 0, :]))
    return tmp_path, x, y


def test_blocks_equal_np_load(files):
    path, x, _ = files
    arr = data.NpyArray(path / "x.npy")
    assert arr.shape == (50, 3, 4) and arr.dtype == np.float32 and arr.ndim == 3 and len(arr) == 50
    assert arr.nbytes == x.nbytes
    keys = [slice(10, 20), (slice(0, 50, 7), 1), 3, -1, (slice(5, 9), slice(1, 3), 2), (Ellipsis, 0),
            np.array([4, 2, 9]), (slice(None), slice(None), slice(None, None, -1)), slice(40, 99)]
    for key in keys:
        got = arr[key]
        assert type(got) is np.ndarray
        np.testing.assert_array_equal(got, x[key], err_msg=repr(key))
    np.testing.assert_array_equal(np.asarray(arr), x)
    f = data.NpyArray(path / "f.npy")
    assert f.fortran_order
    np.testing.assert_array_equal(f[10:13, 1:], x[10:13, 0, 1:])


def test_a_block_never_keeps_the_file_mapped(files):
    path, x, _ = files
    arr = data.NpyArray(path / "x.npy")
    for block in (arr[5:10], arr[(slice(0, 50, 7), 1)], arr[np.array([1, 3])]):
        owner = block
        while isinstance(owner, np.ndarray):  # the chain of bases ends in our own memory, not in a mapping
            assert not isinstance(owner, np.memmap)
            owner = owner.base
        assert owner is None or isinstance(owner, bytes)


def test_pickles_as_its_path(files):
    path, x, _ = files
    arr = data.NpyArray(path / "x.npy")
    blob = pickle.dumps(arr)
    assert len(blob) < 500
    np.testing.assert_array_equal(pickle.loads(blob)[7], x[7])


def test_bad_files_and_indices_are_named(tmp_path, files):
    path, x, _ = files
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match=r"NpyArray: '.*junk.npy' is not a .npy file"):
        data.NpyArray(tmp_path / "junk.npy")
    raw = (path / "x.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(raw[:-100])
    with pytest.raises(ValueError, match=r"cut.npy' is truncated: its header says \(50, 3, 4\) float32"):
        data.NpyArray(tmp_path / "cut.npy")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="holds Python objects"):
        data.NpyArray(tmp_path / "obj.npy")
    with pytest.raises(IndexError, match="index 50 is out of bounds for axis 0 with size 50"):
        data.NpyArray(path / "x.npy")[50]


def test_dataset_rows_and_batches(files):
    path, x, y = files
    ds = data.NpyDataset(path / "x.npy", path / "y.npy")
    assert len(ds) == 50 and [a.shape for a in ds.arrays] == [(50, 3, 4), (50,)]
    xi, yi = ds[7]
    assert isinstance(xi, nr.Tensor) and xi.dtype is nr.float32 and yi.dtype is nr.int64
    np.testing.assert_array_equal(xi.numpy(), x[7])
    assert yi.item() == y[7]
    batch = ds.__getitems__([3, 4, 5, 30, -1, 4])
    for (bx, by), i in zip(batch, [3, 4, 5, 30, 49, 4]):
        np.testing.assert_array_equal(bx.numpy(), x[i])
        assert by.item() == y[i]
    single = data.NpyDataset(path / "y.npy")
    assert single[2].item() == y[2]
    with pytest.raises(IndexError, match="index 60 is out of range for 50 samples"):
        ds.__getitems__([1, 60])
    with pytest.raises(TypeError, match="index must be an int"):
        ds[1.5]
    np.save(path / "short.npy", y[:10])
    with pytest.raises(ValueError, match="every file needs the same first dimension"):
        data.NpyDataset(path / "x.npy", path / "short.npy")


def test_dataloader_reads_batches_from_disk(files):
    path, x, y = files
    loader = data.DataLoader(data.NpyDataset(path / "x.npy", path / "y.npy"), batch_size=16, shuffle=True)
    seen = []
    for bx, by in loader:
        assert bx.shape[1:] == (3, 4) and bx.shape[0] == by.shape[0]
        seen.extend(by.numpy().tolist())
    assert sorted(seen) == sorted(y.tolist())
