"""Indexing ops: ``getitem``/``setitem`` (the operators), ``take``, ``take_along_axis`` (decomposed into one
flat take), ``index_add`` (gradients of gathers) and ``nonzero``, with kit samples. Frontends:
``nr_core/api/indexing.py`` and ``api/searching.py``."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from ..optable import OpDef
from ..samples import Sample, accepted, one_of_each_kind, smooth, values
from ._family import Family

FAMILY = Family()

GETITEM = FAMILY.add(OpDef("getitem", "indexing", 1, "any", view=True))
SETITEM = FAMILY.add(OpDef("setitem", "indexing", 2, "any"))  # in place; gradients flow to both inputs
TAKE = FAMILY.add(OpDef("take", "indexing", 2, "any"))
TAKE_ALONG_AXIS = FAMILY.add(OpDef("take_along_axis", "indexing", 2, "any", primitive=False))
INDEX_ADD = FAMILY.add(OpDef("index_add", "indexing", 2, "numeric"))
NONZERO = FAMILY.add(OpDef("nonzero", "search", 1, "any", "index", differentiable=False, nout=-1))


@FAMILY.decomposition("take_along_axis")
def _take_along_axis(x, indices, axis=-1):
    # one flat take: each index plus the linear offset of its other coordinates (so range-check first: an index
    # past its axis would land on a neighbour's element, not fail)
    n = x.shape[axis]
    if indices.size and bool(nr.any((indices >= n) | (indices < -n))):
        raise IndexError(f"take_along_axis: an index is out of bounds for axis {axis} with size {n}")
    strides = np.cumprod((1,) + x.shape[::-1])[::-1][1:]
    linear = nr.where(indices < 0, indices + x.shape[axis], indices) * int(strides[axis])
    for d, g in enumerate(np.indices(indices.shape, sparse=True)):
        if d != axis:
            linear = linear + nr.asarray(g.astype(np.int64) * int(strides[d]), device=x.device)
    return nr.reshape(nr.take(nr.reshape(x, (-1,)), nr.reshape(linear, (-1,)), axis=0), indices.shape)


# ---- samples -------------------------------------------------------------------------------------
_KEYS = [
    ("int", 1), ("slice", slice(1, 3)), ("step", (slice(None, None, 2), slice(None, None, -1))),
    ("ellipsis", (Ellipsis, 0)), ("newaxis", (None, slice(None), 1)), ("neg", (-1, -2)),
    ("intarray", np.array([0, 2, 2], dtype=np.int64)), ("intarray2d", (np.array([0, 2]), np.array([1, 3]))),
    ("mask", "mask"),
]


def _array_key_call(parts):
    def call(a, *arrays):
        it = iter(arrays)
        return a[tuple(next(it) if isinstance(k, np.ndarray) else k for k in parts)]
    return call


@FAMILY.samples("getitem")
def _getitem_samples(name, dtypes):
    for dt in one_of_each_kind(dtypes):
        x = values((3, 4), dt)
        for label, key in _KEYS:
            if label == "mask":
                mask = values((3, 4), _d.bool, key=("mask",))
                yield Sample(name, (x, mask), call=lambda a, m: a[m], ref=lambda a, m: a[m], label=f"{label}-{dt.name}",
                             grad=smooth(dt), data_dependent=True)
                continue
            arrays = key if isinstance(key, tuple) else (key,)
            if any(isinstance(k, np.ndarray) for k in arrays):
                yield Sample(name, (x,) + tuple(k for k in arrays), call=_array_key_call(arrays),
                             ref=_array_key_call(arrays), label=f"{label}-{dt.name}", grad=smooth(dt))
            else:
                yield Sample(name, (x,), call=lambda a, _k=key: a[_k], ref=lambda a, _k=key: a[_k],
                             label=f"{label}-{dt.name}", grad=smooth(dt))


@FAMILY.samples("setitem")
def _setitem_samples(name, dtypes):
    def call(key):
        def fn(a, v):
            out = nr.asarray(a, copy=True)
            out[key] = v
            return out
        return fn

    def ref(key):
        def fn(a, v):
            out = a.copy()
            out[key] = v
            return out
        return fn
    for dt in one_of_each_kind(dtypes):
        x = values((3, 4), dt)
        yield Sample(name, (x, values((4,), dt, key=(9,))), call=call(1), ref=ref(1), label=f"row-{dt.name}",
                     grad=smooth(dt))
        yield Sample(name, (x, values((3, 2), dt, key=(8,))), call=call((slice(None), slice(1, 3))),
                     ref=ref((slice(None), slice(1, 3))), label=f"block-{dt.name}", grad=smooth(dt))
        yield Sample(name, (x, values((), dt, key=(7,))), call=call(Ellipsis), ref=ref(Ellipsis),
                     label=f"fill-{dt.name}", grad=smooth(dt))


@FAMILY.samples("take")
def _take_samples(name, dtypes):
    idx = np.array([2, 0, 2, 1], dtype=np.int64)
    for dt in one_of_each_kind(dtypes):
        yield Sample(name, (values((3, 4), dt), idx), {"axis": 0}, label=f"0-{dt.name}", grad=smooth(dt))
        yield Sample(name, (values((3, 4), dt), idx[:3]), {"axis": 1}, label=f"1-{dt.name}", grad=smooth(dt))
        yield Sample(name, (values((5,), dt), idx), label=f"1d-{dt.name}", grad=smooth(dt))


@FAMILY.samples("take_along_axis")
def _take_along_samples(name, dtypes):
    idx = np.array([[0, 2, 1, 1], [2, 2, 0, 1], [1, 0, 0, 2]], dtype=np.int64)
    for dt in one_of_each_kind(dtypes):
        yield Sample(name, (values((3, 4), dt), idx), {"axis": 0}, label=f"0-{dt.name}", grad=smooth(dt))
        yield Sample(name, (values((3, 4), dt), idx[:, :3] % 4), {"axis": 1}, label=f"1-{dt.name}",
                     grad=smooth(dt))


@FAMILY.samples("index_add")
def _index_add_samples(name, dtypes):
    from ..dispatch import apply

    def call(base, values_, key):
        return apply(INDEX_ADD, (base, values_), {"key": (key,)}, base.dtype, {"key": (key._data,)})

    def ref(base, values_, key):
        out = base.copy()
        np.add.at(out, (key,), values_)
        return out
    key = np.array([0, 2, 0], dtype=np.int64)
    for dt in [d for d in accepted(name, dtypes) if d.kind != "complex"]:
        yield Sample(name, (values((3, 4), dt), values((3, 4), dt, key=(2,)), key), call=call, ref=ref,
                     label=dt.name)


@FAMILY.samples("nonzero")
def _nonzero_samples(name, dtypes):
    for dt in one_of_each_kind(dtypes):
        x = values((3, 4), dt, -1, 1)
        yield Sample(name, (x,), call=lambda a: nr.stack(list(nr.nonzero(a))),
                     ref=lambda a: np.stack(np.nonzero(a)).astype(np.int64), label=dt.name, grad=False,
                     data_dependent=True)
