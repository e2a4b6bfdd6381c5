"""safetensors checkpoints: round trip, atomic writes, devices, corrupt files, shape errors on load."""
import os

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn


def _model():
    nr.random.seed(3)
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.LSTM(3, 2))


def test_round_trip_restores_every_value_and_dtype(tmp_path):
    src = _model()
    path = tmp_path / "m.safetensors"
    nn.save(src.state_dict(), path)
    sd = nn.load(path)
    assert set(sd) == set(src.state_dict())
    assert sd["1.num_batches_tracked"].dtype is nr.int64
    dst = _model()
    for p in dst.parameters():
        nn.init.zeros_(p)
    dst.load_state_dict(sd)
    for k, v in src.state_dict().items():
        np.testing.assert_array_equal(dst.state_dict()[k].numpy(), v.numpy(), err_msg=k)


def test_file_is_readable_by_safetensors_and_torch_names(tmp_path):
    from safetensors.numpy import load_file
    path = tmp_path / "m.safetensors"
    nn.save(_model().state_dict(), path)
    raw = load_file(str(path))
    assert "2.weight_ih_l0" in raw and raw["0.weight"].shape == (3, 4)


def test_load_onto_a_device(tmp_path):
    path = tmp_path / "m.safetensors"
    nn.save({"w": nr.ones((2, 2))}, path)
    assert str(nn.load(path, device="cpu:1")["w"].device) == "cpu:1"


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    nn.save({"w": nr.ones(3)}, path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": nr.zeros(5)}, path)
    assert path.read_bytes() == before  # the old checkpoint is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]  # no temporary file left behind


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_file_raises_a_clear_error(tmp_path, damage):
    path = tmp_path / "m.safetensors"
    nn.save(_model().state_dict(), path)
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x07" * 64, "empty": b""}[damage])
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        nn.load(path)


def test_wrong_shape_names_key_and_both_shapes(tmp_path):
    path = tmp_path / "m.safetensors"
    nn.save(nn.Linear(4, 5).state_dict(), path)
    with pytest.raises(RuntimeError, match=r"'weight'.*\(5, 4\).*\(3, 4\)"):
        nn.Linear(4, 3).load_state_dict(nn.load(path))


def test_save_rejects_what_it_can_neither_nest_nor_pickle(tmp_path):
    with pytest.raises(TypeError, match="cannot store a dict.*picklable"):
        nn.save({"w": lambda: 0}, tmp_path / "x.safetensors")
    assert list(tmp_path.iterdir()) == []
