"""Random draws: from the one host generator that ``nr.random.seed`` seeds (so a seed gives the same numbers on
every device), unless a backend brings ``random_*`` kernels of its own (CUDA does). Frontends:
``nr_core/random.py``."""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from .. import random as _random
from ..optable import OpDef
from ..samples import Sample, device_under_test
from ._family import Family

FAMILY = Family()


def _draw(name, dtypes):
    return FAMILY.add(OpDef(name, "creation", 0, dtypes, "custom", differentiable=False, primitive=False))


RANDOM_NORMAL = _draw("random_normal", "real floating-point")
RANDOM_UNIFORM = _draw("random_uniform", "real floating-point")
RANDOM_INTEGERS = _draw("random_integers", "integer")


def _on_host(fn):
    def decomposition(*, dtype, device, shape, **params):
        host = np.asarray(fn(_random.host_generator(), shape=shape, dtype=dtype, **params))
        return nr.asarray(host.astype(dtype.numpy, copy=False), device=device)
    return decomposition


def _normal(rng, shape, dtype, mean, std):
    if dtype is _d.float32:
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(std) + np.float32(mean)
    return rng.normal(mean, std, shape)


def _uniform(rng, shape, dtype, low, high):
    if dtype is _d.float32:
        return rng.random(shape, dtype=np.float32) * np.float32(high - low) + np.float32(low)
    return rng.uniform(low, high, shape)


def _integers(rng, shape, dtype, low, high):
    return rng.integers(low, high, shape)


FAMILY.decomposition("random_normal")(_on_host(_normal))
FAMILY.decomposition("random_uniform")(_on_host(_uniform))
FAMILY.decomposition("random_integers")(_on_host(_integers))


@FAMILY.samples("random_normal", "random_uniform", "random_integers")
def _random_samples(name, dtypes):
    """Statistical checks: 20,000 draws have the right mean and spread, and a seed repeats them."""
    dev = device_under_test()

    def draw(seed):
        nr.random.seed(seed)
        if name == "random_normal":
            return nr.random.normal((20000,), 1.0, 2.0, device=dev)
        if name == "random_uniform":
            return nr.random.uniform((20000,), -1.0, 3.0, device=dev)
        return nr.random.randint(0, 10, (20000,), device=dev)

    def call():
        a, b = draw(0), draw(0)
        x = nr.astype(a, nr.float64 if nr.float64 in dtypes else nr.float32)
        return nr.stack([nr.mean(x), nr.std(x), nr.astype(nr.all(a == b), x.dtype)])

    expected = {"random_normal": (1.0, 2.0), "random_uniform": (1.0, 4 / math.sqrt(12)),
                "random_integers": (4.5, math.sqrt(99 / 12))}[name]
    yield Sample(name, (), call=call, ref=lambda: np.array([*expected, 1.0]), label="moments", grad=False,
                 rtol=0.05, atol=0.05, check_dtype=False)
