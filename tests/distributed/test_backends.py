"""Communication backends as plugins: registered in code or through the ``nr.comm_backends`` entry points."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_distributed as dist
from nr_distributed import registry


class LoopBackend(dist.CommBackend):
    """A one-rank backend as a third party would write it; it records what it was asked to do."""

    name = "loop"

    def __init__(self, rank=None, world_size=None, timeout=60.0, init_method=None):
        super().__init__(0, 1, timeout)
        self.calls = []

    def allreduce(self, buf, op):
        self.calls.append(("allreduce", op, buf.shape))
        buf *= 1  # one rank: the reduction is the value itself; in place

    def broadcast(self, buf, src):
        self.calls.append(("broadcast", src, buf.shape))

    def allgather(self, send, recv):
        self.calls.append(("allgather", send.shape, recv.shape))
        recv[0] = send

    def barrier(self):
        self.calls.append(("barrier",))


class DeviceOnly(LoopBackend):
    name = "gpu-only"
    device_kinds = ("cuda",)
    stages_through_host = False


@pytest.fixture
def clean_registry():
    saved = dict(registry._REGISTERED)
    yield
    registry._REGISTERED.clear()
    registry._REGISTERED.update(saved)
    if dist.is_initialized():
        dist.destroy_process_group()


def test_a_backend_registered_in_code_carries_the_collectives(clean_registry):
    made = []
    dist.register_backend("loop", lambda **kw: made.append(LoopBackend(**kw)) or made[-1])
    dist.init_process_group("loop")
    x = nr.asarray(np.arange(6.0).reshape(2, 3))
    dist.all_reduce(x, op=dist.ReduceOp.MAX)
    outs = [nr.zeros((2, 3), dtype=nr.float64)]
    dist.all_gather(outs, x)
    dist.barrier()
    np.testing.assert_array_equal(outs[0].numpy(), np.arange(6.0).reshape(2, 3))
    assert made[0].calls == [("allreduce", dist.ReduceOp.MAX, (2, 3)), ("allgather", (2, 3), (1, 2, 3)),
                             ("barrier",)]
    assert dist.get_backend() == "loop" and dist.get_world_size() == 1


def test_a_device_only_backend_refuses_host_arrays(clean_registry):
    dist.register_backend("gpu-only", DeviceOnly)
    dist.init_process_group("gpu-only")
    with pytest.raises(ValueError, match="the 'gpu-only' backend moves arrays on cuda only; this array is on cpu"):
        dist.all_reduce(nr.asarray([1.0]))


class _FakeEntryPoint:
    def __init__(self, name, target, dist_name):
        self.name, self._target, self.value = name, target, f"{dist_name}.plugin:Backend"
        self.dist = type("D", (), {"metadata": {"Name": dist_name}, "version": "9.9"})()

    def load(self):
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def test_entry_points_load_one_by_one_and_a_broken_one_is_named(clean_registry, monkeypatch):
    eps = [_FakeEntryPoint("gloo", ImportError("libgloo.so: cannot open shared object file"), "nr-gloo"),
           _FakeEntryPoint("loop2", LoopBackend, "nr-loop")]
    monkeypatch.setattr(registry._md, "entry_points",
                        lambda group=None: eps if group == registry.ENTRY_POINT_GROUP else [])
    status = dist.available_backends()
    assert status["loop2"] == "ok"
    assert status["gloo"].startswith("failed to load (nr-gloo 9.9): ImportError: libgloo.so")
    with pytest.raises(dist.DistBackendError, match=r"'gloo' \(nr-gloo 9.9\) failed to load: ImportError"):
        dist.init_process_group("gloo")
    dist.init_process_group("loop2")
    assert dist.get_backend() == "loop2"


def test_unknown_backend_lists_the_installed_ones():
    with pytest.raises(dist.DistBackendError, match=r"no communication backend named 'ucx' \(installed: .*mpi"):
        dist.init_process_group("ucx")


def test_shipped_backends_are_entry_points():
    status = dist.available_backends()
    assert {"mpi", "nccl", "threads"} <= set(status)


def test_nccl_without_cupy_says_what_to_install():
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed here")
    except Exception:
        pass
    with pytest.raises(dist.DistBackendError, match=r"the 'nccl' backend needs CuPy with NCCL: pip install"):
        dist.init_process_group("nccl")
    assert not dist.is_nccl_available()
    assert not dist.is_initialized()
