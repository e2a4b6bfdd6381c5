"""The per-chunk memory budget: an op whose chunks would exceed it is refused while its graph is built, naming the
op, the chunk shape and the budget, before anything is read."""
import math
import subprocess
import sys

import numpy as np
import pytest

import nr_core as nr
import nr_backend_dask as nrd


def test_an_op_over_budget_is_refused_before_running(counting):
    x, src = counting(np.ones((64, 64), np.float32), (8, 64))  # chunks of 2 KiB
    with nrd.chunk_budget(4096):
        ok = (x * 2).sum()
        with pytest.raises(nrd.ChunkBudgetError) as err:
            nr.sort(x, axis=0)  # sorting along axis 0 needs that axis in one chunk: 64 x 64 floats, 16 KiB
        msg = str(err.value)
        assert "sort: a chunk of shape (64, 64)" in msg and "16,384 bytes" in msg and "budget of 4,096 bytes" in msg
        with pytest.raises(nrd.ChunkBudgetError, match=r"rechunk: a chunk of shape \(64, 64\)"):
            x.to_device("dask", chunks=(64, 64))
        with pytest.raises(nrd.ChunkBudgetError, match=r"matmul: a chunk of shape \(64, 64\)"):
            x.T @ x
    assert src.reads == 0
    assert ok.item() == 2 * 64 * 64 and src.reads == 8
    assert isinstance(nrd.ChunkBudgetError("x"), MemoryError)


def test_creation_and_reading_are_checked_too(dev):
    with nrd.chunk_budget("1 KiB"):
        with pytest.raises(nrd.ChunkBudgetError, match=r"rechunk: a chunk of shape \(64, 64\) \(float32"):
            nr.zeros((64, 64), device=dev, chunks=(64, 64))
        for auto in (nr.zeros((64, 64), device=dev), nr.asarray(np.ones((64, 64)), device=dev)):
            assert math.prod(auto._data.chunksize) * auto._data.dtype.itemsize <= 1024  # automatic chunks fit
        with pytest.raises(nrd.ChunkBudgetError, match=r"from_array: a chunk of shape \(32, 64\)"):
            nrd.from_array(np.zeros((64, 64)), chunks=(32, 64))
        nr.zeros((64, 64), device=dev, chunks=(4, 64))  # 1 KiB chunks fit
    with nrd.chunk_budget(None):
        assert nrd.get_chunk_budget() is None
        nr.zeros((64, 64), device=dev, chunks=(64, 64))


def test_budget_values_are_checked():
    before = nrd.get_chunk_budget()
    for bad in (0, -5, 1.5, True, "lots"):
        with pytest.raises(ValueError, match="budget|bytes"):
            nrd.set_chunk_budget(bad)
    assert nrd.get_chunk_budget() == before
    nrd.set_chunk_budget("2 MiB")
    assert nrd.get_chunk_budget() == 2 * 2**20
    nrd.set_chunk_budget(before)


def test_the_budget_comes_from_the_environment():
    code = ("import nr_backend_dask as d; print(d.get_chunk_budget())")
    env = {"NR_DASK_CHUNK_BUDGET": "64 MiB", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.stdout.strip() == str(64 * 2**20), out.stderr
    env["NR_DASK_CHUNK_BUDGET"] = "plenty"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode != 0 and "NR_DASK_CHUNK_BUDGET='plenty'" in out.stderr
