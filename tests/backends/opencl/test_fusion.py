"""Elementwise fusion: chains of elementwise ops compile into one kernel, and stay correct around writes."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core.kernelgen.device.lazy import MAX_NODES, LazyArray


def _arrays(dev, *shapes, seed=0):
    rng = np.random.default_rng(seed)
    hosts = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return hosts, [nr.asarray(h, device=dev) for h in hosts]


def _launches(rt, fn):
    before = rt.stats.launches
    out = fn()
    return out, rt.stats.launches - before


def test_a_times_b_plus_c_is_one_kernel(dev, rt):
    (a, b, c), (x, y, z) = _arrays(dev, (64, 33), (64, 33), (64, 33))
    out, n = _launches(rt, lambda: (x * y + z).numpy())
    assert n == 1
    np.testing.assert_allclose(out, a * b + c, rtol=1e-6)


def test_bias_add_then_activation_is_one_kernel(dev, rt):
    (h, bias), (x, b) = _arrays(dev, (16, 10), (10,))
    out, n = _launches(rt, lambda: nr.tanh(nr.relu(x + b) * 0.5 - 1.0).numpy())
    assert n == 1
    np.testing.assert_allclose(out, np.tanh(np.maximum(h + bias, 0) * 0.5 - 1.0), rtol=1e-5, atol=1e-6)


def test_results_stay_lazy_until_needed(dev, rt):
    _, (x, y) = _arrays(dev, (8,), (8,))
    s, n = _launches(rt, lambda: nr.exp(x) * y + 1)
    assert n == 0 and isinstance(s._data, LazyArray)
    _, n = _launches(rt, lambda: nr.sum(s))  # a reduction realises its input: 1 fused kernel + 1 reduction
    assert n == 2


def test_shared_subexpression_is_computed_once_per_kernel(dev, rt):
    (a,), (x,) = _arrays(dev, (1000,))
    y = x * 3.0
    for _ in range(6):  # a DAG of 2**6 paths: must not blow up into a tree
        y = y * 0.5 + y
    out, n = _launches(rt, lambda: y.numpy())
    ref = a * np.float32(3.0)
    for _ in range(6):
        ref = ref * np.float32(0.5) + ref
    assert n == 1
    np.testing.assert_allclose(out, ref, rtol=1e-5)


def test_long_chains_split_at_the_size_limit_and_stay_exact(dev, rt):
    (a,), (x,) = _arrays(dev, (100,))
    ref = a.copy()
    for i in range(3 * MAX_NODES):
        ref = ref + np.float32(i % 3)

    def chain():
        y = x
        for i in range(3 * MAX_NODES):
            y = y + float(i % 3)
        return y.numpy()

    out, n = _launches(rt, chain)
    assert 3 <= n <= 4
    np.testing.assert_allclose(out, ref, rtol=1e-5)


def test_write_after_pending_read_sees_old_values(dev):
    (a,), (x,) = _arrays(dev, (5,))
    y = x * 2          # pending: reads x
    z = y + 1          # pending: reads y's expression
    x[...] = 0.0       # the write must run the pending readers first
    np.testing.assert_allclose(y.numpy(), a * 2)
    np.testing.assert_allclose(z.numpy(), a * 2 + 1)
    np.testing.assert_array_equal(x.numpy(), np.zeros(5, np.float32))


def test_write_into_a_realised_node_keeps_its_parents_right(dev):
    (a,), (x,) = _arrays(dev, (4,))
    y = x * 2
    z = y + 1          # pending, refers to y
    y[0] = 100.0       # realises y, then writes into y's own memory
    np.testing.assert_allclose(z.numpy(), a * 2 + 1, rtol=1e-6)
    np.testing.assert_allclose(y.numpy()[1:], a[1:] * 2, rtol=1e-6)
    assert y.numpy()[0] == 100.0


def test_in_place_update_is_one_kernel(dev, rt):
    (p, g), (w, gw) = _arrays(dev, (256,), (256,))
    _, n = _launches(rt, lambda: w.__isub__(gw * 0.1))
    w.numpy()
    assert n <= 1
    np.testing.assert_allclose(w.numpy(), p - g * np.float32(0.1), rtol=1e-6)


def test_overlapping_assignment_reads_before_writing(dev):
    a = np.arange(10, dtype=np.float32)
    x = nr.asarray(a, device=dev)
    x[1:] = x[:-1]
    a[1:] = a[:-1].copy()
    np.testing.assert_array_equal(x.numpy(), a)


def test_broadcast_operands_are_not_recomputed_per_element(dev, rt):
    (r, m), (row, mat) = _arrays(dev, (50,), (40, 50))
    e = nr.exp(row)           # 50 elements
    out, n = _launches(rt, lambda: (e + mat).numpy())
    assert n == 2             # exp realised on its own shape first, then the broadcast add
    np.testing.assert_allclose(out, np.exp(r) + m, rtol=1e-5, atol=1e-6)
