"""Arrays on dask:0 stay graphs until a value is needed (item, numpy, bool, printing, to_device) or asked for
(x.compute(), nr.realize); chunks= lays them out."""
import numpy as np
import pytest

import nr_core as nr

H = np.arange(48, dtype=np.float32).reshape(8, 6) / 7


def _graph(counting):
    x, src = counting(H, (2, 6))  # 4 chunks
    y = nr.tanh(x * 2.0 - 1.0).sum(axis=1) / 3.0
    return x, y, src


def test_ops_build_graphs_without_reading(counting):
    x, y, src = _graph(counting)
    assert src.reads == 0
    assert y.shape == (8,) and y.dtype is nr.float32
    assert src.reads == 0


@pytest.mark.parametrize("need", ["item", "numpy", "bool", "repr", "to_device", "float", "tolist"])
def test_a_needed_value_computes(counting, need):
    x, y, src = _graph(counting)
    ref = (np.tanh(H * 2.0 - 1.0).sum(axis=1) / 3.0).astype(np.float32)
    s = y.sum()
    got = {"item": lambda: s.item(), "numpy": lambda: y.numpy(), "bool": lambda: bool(s > -1e9),
           "repr": lambda: repr(y), "to_device": lambda: y.to_device("cpu").numpy(), "float": lambda: float(s),
           "tolist": lambda: y.tolist()}[need]()
    assert src.reads == 4
    if need in ("numpy", "to_device"):
        np.testing.assert_allclose(got, ref, rtol=1e-6)
    elif need in ("item", "float"):
        assert got == pytest.approx(float(ref.sum()), rel=1e-5)
    elif need == "repr":
        assert got.startswith("nr.asarray([") and "device='dask:0'" in got


def test_compute_keeps_the_value(counting):
    x, y, src = _graph(counting)
    assert y.compute() is y
    assert src.reads == 4
    first = y.numpy()
    again = (y + 0).numpy()
    assert src.reads == 4  # later ops start from the kept chunks
    np.testing.assert_array_equal(first, again)


def test_realize_shares_work_between_arrays(counting):
    x, y, src = _graph(counting)
    m, s = nr.mean(x), nr.std(x)
    assert nr.realize(m, s, y) == (m, s, y)
    assert src.reads == 4  # one pass for all three
    assert m.item() == pytest.approx(float(H.mean()), rel=1e-6)
    assert s.item() == pytest.approx(float(H.std()), rel=1e-5)
    assert src.reads == 4


def test_realize_is_a_no_op_on_eager_devices():
    a = nr.asarray([1.0, 2.0])
    buf = a._data
    assert nr.realize(a) == (a,) and a._data is buf and a.compute() is a
    with pytest.raises(TypeError, match="realize: expected nr arrays, got list at position 0"):
        nr.realize([1.0])


def test_chunks_on_creation(dev):
    cases = {
        "zeros": lambda: nr.zeros((6, 4), device=dev, chunks=(2, 4)),
        "ones": lambda: nr.ones((6, 4), device=dev, chunks=(2, 4)),
        "full": lambda: nr.full((6, 4), 2.5, device=dev, chunks=(2, 4)),
        "empty": lambda: nr.empty((6, 4), device=dev, chunks=(2, 4)),
        "asarray": lambda: nr.asarray(np.ones((6, 4)), device=dev, chunks=(2, 4)),
        "arange": lambda: nr.arange(6, device=dev, chunks=2),
        "linspace": lambda: nr.linspace(0, 1, 6, device=dev, chunks=2),
        "eye": lambda: nr.eye(6, 4, k=1, device=dev, chunks=(2, 4)),
    }
    for name, make in cases.items():
        x = make()
        assert x._data.chunks[0] == (2, 2, 2), name
    np.testing.assert_array_equal(cases["eye"]().numpy(), np.eye(6, 4, k=1, dtype=np.float32))
    np.testing.assert_array_equal(cases["full"]().numpy(), np.full((6, 4), 2.5, np.float32))
    np.testing.assert_array_equal(cases["arange"]().numpy(), np.arange(6))


def test_to_device_with_chunks_rechunks_and_keeps_the_graph(dev):
    h = np.arange(24.0).reshape(6, 4)
    x = nr.asarray(h).to_device("dask", chunks=(3, 2))
    assert x._data.chunks == ((3, 3), (2, 2))
    y = x.to_device(dev, chunks=(6, 1))
    assert y._data.chunks == ((6,), (1, 1, 1, 1)) and x._data.chunks == ((3, 3), (2, 2))
    assert x.to_device(dev) is x
    np.testing.assert_array_equal(y.numpy(), h)
    w = nr.asarray(h, device=dev, requires_grad=True)
    (w.to_device(dev, chunks=(2, 4)) * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full(h.shape, 3.0))


def test_chunks_are_refused_where_the_device_has_none():
    with pytest.raises(TypeError, match=r"zeros: chunks=\(2, 2\) given, but device cpu does not lay arrays out"):
        nr.zeros((4, 4), chunks=(2, 2))
    with pytest.raises(TypeError, match="to_device: chunks=2 given, but device cpu does not"):
        nr.ones(3, device="dask").to_device("cpu", chunks=2)
    with pytest.raises(TypeError, match="asarray: chunks=2 given"):
        nr.asarray([1.0], chunks=2)


def test_writes_do_not_leak_into_other_arrays(dev):
    a = nr.asarray(np.zeros((4, 3), np.float32), device=dev, chunks=(2, 3))
    b = nr.asarray(a, copy=True)
    c = a[1:3]
    a[1] = 5.0
    a[nr.asarray([0, 3], device=dev), 2] = 7.0
    assert b.numpy().sum() == 0 and c.numpy().sum() == 0
    want = np.zeros((4, 3), np.float32)
    want[1] = 5.0
    want[[0, 3], 2] = 7.0
    np.testing.assert_array_equal(a.numpy(), want)


def test_slice_bounds_may_be_nr_arrays(dev):
    x = nr.arange(10, device=dev, chunks=4)
    lo, hi = nr.asarray(2, device=dev), nr.asarray(5)
    np.testing.assert_array_equal(x[lo:hi].numpy(), np.arange(2, 5))
    x[lo:hi] = 0
    np.testing.assert_array_equal(x.numpy(), [0, 1, 0, 0, 0, 5, 6, 7, 8, 9])


def test_max_and_min_of_an_empty_batch_as_numpy():
    # Dask's own max/min fail on an empty array even when the reduced axis has elements (an empty batch)
    for fn, ref in ((nr.max, np.max), (nr.min, np.min)):
        x = nr.zeros((0, 4), device="dask")
        assert fn(x, axis=1).shape == ref(np.zeros((0, 4)), axis=1).shape == (0,)
        assert fn(x, axis=1, keepdims=True).numpy().shape == (0, 1)
        with pytest.raises(ValueError):
            fn(x, axis=0).numpy()  # an empty reduced axis has no identity, as NumPy says
