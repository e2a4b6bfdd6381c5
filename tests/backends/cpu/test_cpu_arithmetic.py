"""The compiled arithmetic loop behind large float ops (native_arithmetic.c through parallel._compiled): NumPy's
bits for every kind of value, at any alignment and length, and NumPy's warnings where a slab raised."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import nr_core as nr
from nr_backend_cpu import allocator, native, parallel
from nr_core import settings

N = parallel.MIN_SIZE + 1001
OPS = ["add", "subtract", "multiply", "divide"]

pytestmark = pytest.mark.skipif(native.library(parallel._ARITHMETIC_C) is None, reason="no C compiler")


@pytest.fixture
def compiled(monkeypatch):
    """Two threads, and the number of ops the compiled loop answered."""
    before = parallel.threads()
    parallel.set_threads(2)
    taken = []
    real = parallel._compiled

    def counting(*args):
        done = real(*args)
        taken.append(done)
        return done
    monkeypatch.setattr(parallel, "_compiled", counting)
    yield taken
    parallel.set_threads(before)


def special_values(n, dtype, seed):
    """Normal numbers mixed with zeros of both signs, infinities, NaNs, subnormals and numbers near overflow."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    x = rng.standard_normal(n).astype(dtype) * 10
    pool = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, info.smallest_subnormal, -info.smallest_subnormal * 3,
                     info.tiny, info.max, -info.max / 2, 1.0], dtype)
    where = rng.random(n) < 0.2
    x[where] = rng.choice(pool, where.sum())
    return x


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values_give_numpys_bits(compiled, op, dtype):
    a, b = special_values(N, dtype, 1), special_values(N, dtype, 2)
    with np.errstate(all="ignore"):
        want = getattr(np, op)(a, b)
        got = np.asarray(getattr(nr, op)(nr.asarray(a), nr.asarray(b)))
    assert compiled == [True]
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("start,stop", [(1, None), (3, -5), (0, -17), (15, parallel.MIN_SIZE + 15)])
def test_unaligned_starts_and_odd_lengths(compiled, op, start, stop):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(N + 64).astype(np.float32)[start:stop]
    shift = (start + 1) % 7  # b's start is aligned differently from a's
    b = (rng.standard_normal(N + 128).astype(np.float32) + 4)[shift:shift + a.size]
    got = np.asarray(getattr(nr, op)(nr.asarray(a), nr.asarray(b)))
    assert compiled == [True]
    assert got.tobytes() == getattr(np, op)(a, b).tobytes()


def test_small_outputs_take_plain_stores_and_large_ones_streamed(compiled):
    # both sides of STREAM_BYTES give the same bits
    for n in (parallel.MIN_SIZE, parallel.STREAM_BYTES // 4 + 33):
        a = np.linspace(-3, 3, n, dtype=np.float32)
        b = np.linspace(1, 2, n, dtype=np.float32)
        assert np.asarray(nr.asarray(a) * nr.asarray(b)).tobytes() == (a * b).tobytes()
    assert compiled == [True, True]


def test_a_slab_that_raises_hands_the_op_to_numpy(compiled):
    a = np.ones(N, np.float32)
    z = np.ones(N, np.float32)
    z[7] = 0.0
    z[-3] = 0.0
    a[-3] = 0.0  # 0/0: invalid as well as divide
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        out = np.asarray(nr.asarray(a) / nr.asarray(z))
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        ref = a / z
    assert sorted(str(w.message) for w in got) == sorted(str(w.message) for w in want)
    assert out.tobytes() == ref.tobytes()
    big = np.full(N, np.finfo(np.float32).max, np.float32)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        nr.asarray(big) * nr.asarray(big)


def test_mixed_dtypes_and_integers_stay_with_numpy(compiled):
    a = np.arange(N, dtype=np.float32)
    b = np.arange(N, dtype=np.float64)
    assert np.asarray(nr.asarray(a) + nr.asarray(b)).tobytes() == (a + b).tobytes()
    i = np.arange(N, dtype=np.int64)
    assert np.asarray(nr.asarray(i) * nr.asarray(i)).tobytes() == (i * i).tobytes()
    assert compiled == []


def test_without_compiled_kernels_numpy_computes(compiled, monkeypatch):
    monkeypatch.setenv("NR_NATIVE", "0")
    a = np.linspace(0, 1, N, dtype=np.float32)
    assert np.asarray(nr.asarray(a) - nr.asarray(a[::-1].copy())).tobytes() == (a - a[::-1]).tobytes()
    assert compiled == [False]


def test_malloc_tuning_switches(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("NR_MALLOC_TUNE", raising=False)
    assert settings.malloc_tuning()
    monkeypatch.setenv("NR_MALLOC_TUNE", "0")
    assert not settings.malloc_tuning()
    monkeypatch.delenv("NR_MALLOC_TUNE")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")  # the user's own glibc tuning wins
    assert not settings.malloc_tuning()
    assert allocator.tune() is allocator.tune()  # applied once per process
