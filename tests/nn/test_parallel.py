"""``nr_nn.parallel`` reaches nr-distributed lazily, and says how to install it when it is missing."""
from __future__ import annotations

import sys

import pytest

import nr_nn


def test_missing_nr_distributed_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "nr_distributed", None)  # as if not installed
    monkeypatch.delitem(nr_nn.parallel.__dict__, "DistributedDataParallel", raising=False)
    with pytest.raises(ImportError, match="pip install nr-distributed"):
        nr_nn.parallel.DistributedDataParallel
    with pytest.raises(AttributeError, match="has no attribute 'ModelParallel'"):
        nr_nn.parallel.ModelParallel


def test_names_come_from_nr_distributed():
    dist = pytest.importorskip("nr_distributed")
    assert nr_nn.parallel.DistributedDataParallel is dist.DistributedDataParallel
    assert nr_nn.parallel.SyncBatchNorm is dist.SyncBatchNorm
