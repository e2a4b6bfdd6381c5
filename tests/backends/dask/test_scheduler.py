"""Which scheduler computes: threads by default, a pinned choice, and a dask.distributed cluster's client when the
program has one (a LocalCluster of 2 worker processes on this machine)."""
import threading

import numpy as np
import pytest

import nr_core as nr
import nr_backend_dask as nrd
from nr_backend_dask import scheduling


def test_threads_by_default_and_pinned_choices(counting):
    assert scheduling.current() == "threads"
    h = np.arange(40.0).reshape(8, 5)
    for choice in ("synchronous", "threads", "processes"):
        with nrd.scheduler(choice):
            assert scheduling.current() == choice
            x = nr.asarray(h, device="dask", chunks=(2, 5))
            assert (x * 2).sum().item() == 2 * h.sum()
    assert scheduling.current() == "threads"
    # the synchronous scheduler reads every chunk in this thread
    x, src = counting(h, (2, 5))
    seen = set()
    orig = src.__class__.__getitem__
    src.__class__.__getitem__ = lambda self, k: (seen.add(threading.get_ident()), orig(self, k))[1]
    try:
        with nrd.scheduler("synchronous"):
            x.sum().item()
    finally:
        src.__class__.__getitem__ = orig
    assert seen == {threading.get_ident()}
    with pytest.raises(ValueError, match="set_scheduler: expected one of 'threads'"):
        nrd.set_scheduler("gpu")


def test_a_distributed_client_computes_and_gives_the_same_numbers(tmp_path):
    distributed = pytest.importorskip("distributed")
    from nr_data import NpyArray
    rng = np.random.default_rng(3)
    h = rng.standard_normal((4000, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", h)
    src = NpyArray(tmp_path / "x.npy")

    def figures():
        x = nrd.from_array(src, chunks=(500, -1))
        m, s, g = nr.realize(x.mean(axis=0), x.std(axis=0), x.T @ x)
        return m.numpy(), s.numpy(), g.numpy()
    local = figures()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        assert scheduling.current() is client
        backend = nr.ones(1, device="dask")._backend
        assert "distributed client at tcp://" in backend.device_names()[nr.Device("dask", 0)]
        with distributed.get_task_stream(client) as stream:
            remote = figures()
        workers = {t["worker"] for t in stream.data}
    assert scheduling.current() == "threads"
    assert len(workers) == 2  # both worker processes computed chunks
    for a, b in zip(local, remote):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(local[0], h.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(local[2], h.astype(np.float64).T @ h, rtol=1e-4)
