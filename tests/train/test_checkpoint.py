"""Checkpoint files: nested states round-trip bit for bit (tuples, int keys, NumPy arrays and scalars, floats
with every bit, special values), written atomically, and bad files or values are refused with clear errors."""
from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
from nr_train import load_checkpoint, save_checkpoint


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    legacy = np.random.RandomState(3).get_state()
    state = {
        "weights": {"fc.weight": nr.asarray(rng.standard_normal((3, 4)).astype(np.float32)),
                    "count": nr.asarray(7, dtype=nr.int64)},
        "optimizer": {"state": {0: {"step": 3.0, "exp_avg": nr.asarray([1.0, 2.0])}},
                      "param_groups": [{"lr": 0.1 + 0.2, "betas": (0.9, 0.999), "params": [0]}]},
        "python_random": random.Random(5).getstate(),
        "numpy_legacy": legacy,
        "scalar": np.float32(1.25),
        "odd": {"__nr_array__": "not a marker", 1.5: None, "a/b": nr.asarray([1]), "a": {"b": nr.asarray([2])}},
        "specials": [float("inf"), float("-inf"), 1e-310, -0.0, True, None, "text"],
    }
    path = tmp_path / "deep" / "ckpt.safetensors"
    save_checkpoint(state, path)
    back = load_checkpoint(path)
    np.testing.assert_array_equal(back["weights"]["fc.weight"].numpy(), state["weights"]["fc.weight"].numpy())
    assert back["weights"]["count"].dtype == nr.int64 and back["weights"]["count"].shape == ()
    opt = back["optimizer"]
    assert list(opt["state"]) == [0] and opt["state"][0]["step"] == 3.0
    assert opt["param_groups"][0]["betas"] == (0.9, 0.999) and opt["param_groups"][0]["lr"] == 0.1 + 0.2
    assert back["python_random"] == state["python_random"]
    assert back["numpy_legacy"][0] == "MT19937" and back["numpy_legacy"][1].dtype == legacy[1].dtype
    np.testing.assert_array_equal(back["numpy_legacy"][1], legacy[1])
    assert back["numpy_legacy"][2:] == legacy[2:]
    assert type(back["scalar"]) is np.float32 and back["scalar"] == np.float32(1.25)
    assert back["odd"]["__nr_array__"] == "not a marker" and back["odd"][1.5] is None
    assert back["odd"]["a/b"].tolist() == [1] and back["odd"]["a"]["b"].tolist() == [2]
    assert back["specials"][:4] == [float("inf"), float("-inf"), 1e-310, -0.0]
    assert str(back["specials"][3]) == "-0.0" and back["specials"][4:] == [True, None, "text"]
    random.setstate(back["python_random"])  # usable as they come back
    np.random.set_state(back["numpy_legacy"])
    assert not [p for p in os.listdir(path.parent) if p != "ckpt.safetensors"]  # no temporary left behind


def test_arrays_go_to_the_device_asked_for(tmp_path):
    save_checkpoint({"w": nr.ones(3)}, tmp_path / "c.safetensors")
    assert str(load_checkpoint(tmp_path / "c.safetensors", device="cpu:1")["w"].device) == "cpu:1"


def test_refusals(tmp_path):
    with pytest.raises(TypeError, match="cannot store a function at /callbacks/fn"):
        save_checkpoint({"callbacks": {"fn": lambda: 0}}, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.safetensors")
    nn.save({"w": nr.ones(2)}, tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match="not an nr_train checkpoint"):
        load_checkpoint(tmp_path / "weights.safetensors")
    save_checkpoint({"w": nr.ones(2)}, tmp_path / "c.safetensors")
    (tmp_path / "cut.safetensors").write_bytes((tmp_path / "c.safetensors").read_bytes()[:40])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_checkpoint(tmp_path / "cut.safetensors")


def test_the_file_is_plain_safetensors(tmp_path):
    """Any safetensors reader opens a checkpoint: arrays are tensors, the rest is JSON in the metadata."""
    from safetensors import safe_open
    save_checkpoint({"model": {"w": nr.asarray([1.0, 2.0])}, "epoch": 3}, tmp_path / "c.safetensors")
    with safe_open(tmp_path / "c.safetensors", "numpy") as f:
        meta = f.metadata()
        (key,) = f.keys()
        np.testing.assert_array_equal(f.get_tensor(key), [1.0, 2.0])
    assert json.loads(meta["state"])["epoch"] == 3 and meta["format"] == "nr_train.checkpoint/1"
