"""Fixtures of the dask backend tests: skipped as a whole where Dask or the plugin is not installed, and a source
that counts its reads, so tests can tell a lazy graph from a computed one."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from nr_core.devices import Device
from nr_core.plugins import REGISTRY

# skipped only where Dask or the plugin is not installed; imported here, outside the probe's time limit, so that a
# loaded machine cannot turn a slow import into an "unavailable" backend and silently skipped tests
pytest.importorskip("dask.array")
pytest.importorskip("nr_backend_dask")
REGISTRY.backend_for(Device("dask", 0))


class CountingSource:
    """A NumPy array behind the array-like protocol ``from_array`` reads, counting the blocks read from it."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim
        self.reads = 0
        self._lock = threading.Lock()

    def __getitem__(self, key):
        with self._lock:
            self.reads += 1
        return np.array(self.data[key], copy=True)


@pytest.fixture
def counting():
    """``counting(np_array, chunks)`` -> (nr array on dask:0 over a counting source, the source)."""
    from nr_backend_dask import from_array

    def make(data, chunks):
        src = CountingSource(np.asarray(data))
        return from_array(src, chunks=chunks), src
    return make


@pytest.fixture
def dev():
    return "dask:0"
