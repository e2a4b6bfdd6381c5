"""The collectives on the in-process ``threads`` backend, against results worked out with NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_distributed as dist

N = 3


def per_rank(rank: int, dtype=np.float64, shape=(2, 3)) -> np.ndarray:
    """Rank r's input: distinct, exactly representable values."""
    return (np.arange(np.prod(shape)).reshape(shape) * (rank + 1) + rank).astype(dtype)


def run(fn, n: int = N):
    return dist.launch_threads(fn, n, timeout=20)


@pytest.mark.parametrize("op,combine", [(dist.ReduceOp.SUM, np.sum), (dist.ReduceOp.PRODUCT, np.prod),
                                        (dist.ReduceOp.MIN, np.min), (dist.ReduceOp.MAX, np.max),
                                        (dist.ReduceOp.AVG, np.mean)])
def test_all_reduce_every_op(op, combine):
    def body():
        x = nr.asarray(per_rank(dist.get_rank()))
        assert dist.all_reduce(x, op=op) is None
        return x.numpy()

    expected = combine(np.stack([per_rank(r) for r in range(N)]), axis=0)
    for got in run(body):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32", "complex128"])
def test_all_reduce_dtypes(dtype):
    def body():
        x = nr.asarray(per_rank(dist.get_rank(), np.dtype(dtype)))
        dist.all_reduce(x)
        assert x.dtype == getattr(nr, dtype)
        return x.numpy()

    expected = np.sum(np.stack([per_rank(r, np.dtype(dtype)) for r in range(N)]), axis=0)
    for got in run(body):
        np.testing.assert_array_equal(got, expected)


def test_bool_min_max_are_all_and_any():
    def body():
        r = dist.get_rank()
        a = nr.asarray([True, r != 1, r == 2])
        b = nr.asarray([True, r != 1, r == 2])
        dist.all_reduce(a, op=dist.ReduceOp.MIN)
        dist.all_reduce(b, op=dist.ReduceOp.MAX)
        return a.numpy(), b.numpy()

    for a, b in run(body):
        np.testing.assert_array_equal(a, [True, False, False])
        np.testing.assert_array_equal(b, [True, True, True])


def test_async_all_reduce_and_staged_buffers():
    """A strided view and a 0-d result (a NumPy scalar inside) are reduced through a copy, written back."""
    def body():
        r = dist.get_rank()
        base = nr.asarray(per_rank(r, shape=(4, 4)))
        view = base[:, 1]                          # a strided view: written back into base
        scalar = nr.sum(nr.asarray([1.0, 2.0])) + r
        work = dist.all_reduce(view, async_op=True)
        assert work.wait() and work.is_completed()
        dist.all_reduce(scalar, op=dist.ReduceOp.MAX)
        return base.numpy(), scalar.item()

    column = sum(per_rank(r, shape=(4, 4))[:, 1] for r in range(N))
    for r, (base, scalar) in enumerate(run(body)):
        expected = per_rank(r, shape=(4, 4))
        expected[:, 1] = column
        np.testing.assert_array_equal(base, expected)
        assert scalar == 3.0 + (N - 1)


def test_in_place_reduce_bumps_the_version_seen_by_autograd():
    def body():
        w = nr.asarray(np.array([1.0, 2.0]), requires_grad=True)
        x = nr.asarray(np.array([3.0, 4.0]))
        y = (w * x).sum()                          # x is saved for w's gradient
        dist.all_reduce(x)
        with pytest.raises(RuntimeError, match="modified by an in-place operation"):
            y.backward()
        return True

    assert run(body, 2) == [True, True]


def test_broadcast_all_gather_gather_scatter():
    def body():
        r = dist.get_rank()
        b = nr.asarray(per_rank(r))
        dist.broadcast(b, src=2)
        outs = [nr.zeros((2, 3), dtype=nr.float64) for _ in range(N)]
        dist.all_gather(outs, nr.asarray(per_rank(r)))
        cat = nr.zeros((2 * N, 3), dtype=nr.float64)
        dist.all_gather_into_tensor(cat, nr.asarray(per_rank(r)))
        gathered = [nr.zeros((2, 3), dtype=nr.float64) for _ in range(N)] if r == 1 else None
        dist.gather(nr.asarray(per_rank(r)), gathered, dst=1)
        part = nr.zeros((2, 3), dtype=nr.float64)
        dist.scatter(part, [nr.asarray(per_rank(k) * 10) for k in range(N)] if r == 0 else None, src=0)
        return (b.numpy(), [o.numpy() for o in outs], cat.numpy(),
                None if gathered is None else [g.numpy() for g in gathered], part.numpy())

    for r, (b, outs, cat, gathered, part) in enumerate(run(body)):
        np.testing.assert_array_equal(b, per_rank(2))
        for k in range(N):
            np.testing.assert_array_equal(outs[k], per_rank(k))
        np.testing.assert_array_equal(cat, np.concatenate([per_rank(k) for k in range(N)]))
        if r == 1:
            for k in range(N):
                np.testing.assert_array_equal(gathered[k], per_rank(k))
        np.testing.assert_array_equal(part, per_rank(r) * 10)


@pytest.mark.parametrize("op", [dist.ReduceOp.SUM, dist.ReduceOp.AVG])
def test_reduce_scatter(op):
    def body():
        r = dist.get_rank()
        out = nr.zeros((2, 3), dtype=nr.float64)
        dist.reduce_scatter(out, [nr.asarray(per_rank(r) + 100 * k) for k in range(N)], op=op)
        out2 = nr.zeros((2, 3), dtype=nr.float64)
        stacked = np.concatenate([per_rank(r) + 100 * k for k in range(N)])
        dist.reduce_scatter_tensor(out2, nr.asarray(stacked), op=op)
        return out.numpy(), out2.numpy()

    for r, (out, out2) in enumerate(run(body)):
        total = sum(per_rank(k) + 100 * r for k in range(N))
        expected = total / N if op is dist.ReduceOp.AVG else total
        np.testing.assert_allclose(out, expected, rtol=1e-15)
        np.testing.assert_allclose(out2, expected, rtol=1e-15)


def test_single_rank_group_and_state_queries():
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    dist.init_process_group("threads", rank=0, world_size=1, init_method="threads://single")
    try:
        assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
        assert dist.get_backend() == "threads"
        x = nr.asarray([1.0, 2.0])
        dist.all_reduce(x, op=dist.ReduceOp.AVG)
        np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
        with pytest.raises(dist.DistError, match="twice"):
            dist.init_process_group("threads", rank=0, world_size=1)
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized()


def test_bad_arguments_fail_before_communicating():
    def body():
        x = nr.asarray([1.0, 2.0])
        with pytest.raises(TypeError, match="all_reduce: op must be a ReduceOp"):
            dist.all_reduce(x, op="sum")
        with pytest.raises(TypeError, match="all_reduce: tensor must be an nr array"):
            dist.all_reduce(np.ones(2))
        with pytest.raises(TypeError, match="ReduceOp.MAX on a complex array"):
            dist.all_reduce(nr.asarray([1j]), op=dist.ReduceOp.MAX)
        with pytest.raises(TypeError, match="AVG needs a floating-point array, got int64"):
            dist.all_reduce(nr.asarray([1, 2]), op=dist.ReduceOp.AVG)
        with pytest.raises(ValueError, match=r"broadcast: src must be a rank in \[0, 1\], got 2"):
            dist.broadcast(x, src=2)
        with pytest.raises(ValueError, match="tensor_list must hold world_size=2 arrays, got 1"):
            dist.all_gather([nr.zeros((2,))], x)
        with pytest.raises(ValueError, match=r"tensor_list\[1\] has shape \(3,\)"):
            dist.all_gather([nr.zeros((2,)), nr.zeros((3,))], x)
        with pytest.raises(ValueError, match="gather_list must not be given on rank"):
            dist.gather(x, [x, x], dst=1 - dist.get_rank())
        dist.barrier()  # still in step: nothing above reached the backend
        return True

    assert run(body, 2) == [True, True]


def test_init_arguments_are_checked():
    with pytest.raises(ValueError, match="pass rank= and world_size="):
        dist.init_process_group("threads")
    with pytest.raises(ValueError, match="rank 3 is out of range for world_size 2"):
        dist.init_process_group("threads", rank=3, world_size=2)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        dist.init_process_group("threads", rank=0, world_size=1, timeout=-1)
    assert not dist.is_initialized()
