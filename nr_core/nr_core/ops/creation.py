"""Creation ops: the table (``zeros``/``ones``/``empty`` decompose into ``full``), and kit samples on the device
under test. Frontends: ``nr_core/api/creation.py``."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from ..optable import OpDef
from ..samples import Sample, device_under_test, one_of_each_kind, smooth, values
from ._family import Family

FAMILY = Family()


def _creation(name, dtypes="any", primitive=True):
    return FAMILY.add(OpDef(name, "creation", 0, dtypes, "custom", differentiable=False, primitive=primitive))


ARANGE = _creation("arange", "real numeric")
FULL = _creation("full")
EMPTY = _creation("empty", primitive=False)
ZEROS = _creation("zeros", primitive=False)
ONES = _creation("ones", primitive=False)
EYE = _creation("eye")
LINSPACE = _creation("linspace", "numeric")
TRIL = FAMILY.add(OpDef("tril", "creation", 1, "any"))
TRIU = FAMILY.add(OpDef("triu", "creation", 1, "any"))


@FAMILY.decomposition("zeros")
def _zeros(shape, dtype, device):
    return nr.full(shape, 0, dtype=dtype, device=device)


@FAMILY.decomposition("ones")
def _ones(shape, dtype, device):
    return nr.full(shape, 1, dtype=dtype, device=device)


@FAMILY.decomposition("empty")
def _empty(shape, dtype, device):
    return nr.full(shape, 0, dtype=dtype, device=device)


def _sample(name, label, call, ref):
    return Sample(name, (), call=call, ref=ref, label=label, grad=False)


@FAMILY.samples("arange", "full", "zeros", "ones", "empty", "eye", "linspace")
def _creation_samples(name, dtypes):
    dev = device_under_test()
    for dt in dtypes:
        if name == "arange" and dt.kind in ("bool", "complex"):
            continue
        if name == "linspace" and dt.kind not in ("float", "complex"):
            continue
        if name == "arange":
            yield _sample(name, dt.name, lambda dt=dt: nr.arange(1, 9, 2, dtype=dt, device=dev),
                          lambda dt=dt: np.arange(1, 9, 2, dtype=dt.numpy))
        elif name == "full":
            yield _sample(name, dt.name, lambda dt=dt: nr.full((2, 3), 1, dtype=dt, device=dev),
                          lambda dt=dt: np.full((2, 3), 1, dtype=dt.numpy))
        elif name in ("zeros", "ones"):
            yield _sample(name, dt.name, lambda dt=dt: getattr(nr, name)((2, 0, 3), dtype=dt, device=dev),
                          lambda dt=dt: getattr(np, name)((2, 0, 3), dtype=dt.numpy))
            yield _sample(name, f"3d-{dt.name}", lambda dt=dt: getattr(nr, name)((2, 1, 3), dtype=dt, device=dev),
                          lambda dt=dt: getattr(np, name)((2, 1, 3), dtype=dt.numpy))
        elif name == "empty":
            # its values are whatever the memory held (times 0 could give -0.0 or NaN): shape, dtype, device count
            yield _sample(name, dt.name, lambda dt=dt: nr.zeros_like(nr.empty((2, 3), dtype=dt, device=dev)),
                          lambda dt=dt: np.zeros((2, 3), dtype=dt.numpy))
        elif name == "eye":
            yield _sample(name, dt.name, lambda dt=dt: nr.eye(3, 4, k=1, dtype=dt, device=dev),
                          lambda dt=dt: np.eye(3, 4, k=1, dtype=dt.numpy))
        elif name == "linspace":
            yield _sample(name, dt.name, lambda dt=dt: nr.linspace(0, 1, 5, dtype=dt, device=dev),
                          lambda dt=dt: np.linspace(0, 1, 5, dtype=dt.numpy))


@FAMILY.samples("tril", "triu")
def _tri_samples(name, dtypes):
    for dt in one_of_each_kind(dtypes):
        for k in (0, 1, -1):
            yield Sample(name, (values((4, 5), dt),), {"k": k}, label=f"{k}-{dt.name}", grad=smooth(dt))
