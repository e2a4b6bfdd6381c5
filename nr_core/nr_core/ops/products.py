"""Products of the main namespace: ``matmul`` (a primitive), ``tensordot`` and ``vecdot`` (decomposed into
it), with kit samples. Frontends: ``nr_core/api/products.py``. (``nr.linalg`` is the extension: ``linalg.py``.)"""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from ..optable import OpDef
from ..samples import Sample, accepted, floats, smooth, values
from ._family import Family

FAMILY = Family()

MATMUL = FAMILY.add(OpDef("matmul", "linalg", 2, "numeric"))
TENSORDOT = FAMILY.add(OpDef("tensordot", "linalg", 2, "numeric", primitive=False))
VECDOT = FAMILY.add(OpDef("vecdot", "linalg", 2, "numeric", primitive=False))

# autocast: the products are what 16-bit arithmetic is for
FAMILY.amp("low", "matmul", "tensordot", "vecdot")


@FAMILY.decomposition("tensordot")
def _tensordot(x1, x2, axes=2):
    a1, a2 = axes
    free1 = [i for i in range(x1.ndim) if i not in a1]
    free2 = [i for i in range(x2.ndim) if i not in a2]
    k = math.prod(x1.shape[i] for i in a1)
    # explicit sizes: -1 cannot be inferred when an axis is empty
    m, n = math.prod(x1.shape[i] for i in free1), math.prod(x2.shape[i] for i in free2)
    p1 = nr.reshape(nr.permute_dims(x1, tuple(free1) + tuple(a1)), (m, k))
    p2 = nr.reshape(nr.permute_dims(x2, tuple(a2) + tuple(free2)), (k, n))
    out_shape = tuple(x1.shape[i] for i in free1) + tuple(x2.shape[i] for i in free2)
    return nr.reshape(nr.matmul(p1, p2), out_shape)


@FAMILY.decomposition("vecdot")
def _vecdot(x1, x2, axis=-1):
    prod = nr.conj(x1) * x2
    return nr.sum(prod, axis=axis, dtype=prod.dtype)  # the operands' dtype, not sum's widened default


@FAMILY.samples("matmul")
def _matmul_samples(name, dtypes):
    for dt in accepted(name, dtypes):
        if dt.kind in ("int", "uint") and dt.itemsize < 4:
            continue
        for label, s1, s2 in (("2d", (3, 4), (4, 5)), ("batched", (2, 3, 4), (4, 2)), ("vec-mat", (4,), (4, 3)),
                              ("mat-vec", (3, 4), (4,)), ("bcast", (2, 1, 3, 4), (3, 4, 2)),
                              ("empty-k", (3, 0), (0, 2))):
            yield Sample(name, (values(s1, dt, key=(1,)), values(s2, dt, key=(2,))), label=f"{label}-{dt.name}",
                         grad=smooth(dt) and label != "empty-k", rtol=1e-4 if dt is _d.float32 else None)


@FAMILY.samples("tensordot")
def _tensordot_samples(name, dtypes):
    for dt in floats(dtypes):
        a, b = values((3, 4, 5), dt, key=(1,)), values((4, 5, 2), dt, key=(2,))
        yield Sample(name, (a, b), {"axes": 2}, label=f"2-{dt.name}", rtol=1e-4)
        yield Sample(name, (a, values((5, 3), dt)), {"axes": ((2, 0), (0, 1))}, label=f"pairs-{dt.name}", rtol=1e-4)


@FAMILY.samples("vecdot")
def _vecdot_samples(name, dtypes):
    for dt in [d for d in accepted(name, dtypes) if smooth(d)]:
        yield Sample(name, (values((3, 4), dt, key=(1,)), values((4,), dt, key=(2,))), label=dt.name,
                     ref=lambda a, b: np.sum(np.conj(a) * b, axis=-1))
        yield Sample(name, (values((3, 4), dt, key=(1,)), values((3, 4), dt, key=(2,))), {"axis": 0},
                     label=f"axis0-{dt.name}", ref=lambda a, b, axis: np.sum(np.conj(a) * b, axis=axis))
