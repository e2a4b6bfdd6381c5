"""Sorting and searching sorted arrays: ``sort``, ``argsort``, ``searchsorted``, with kit samples.
Frontends: ``nr_core/api/sorting.py`` and ``api/searching.py``."""
from __future__ import annotations

import numpy as np

from ..optable import OpDef
from ..samples import Sample, accepted, values
from ._family import Family

FAMILY = Family()

SORT = FAMILY.add(OpDef("sort", "sort", 1, "real numeric"))
ARGSORT = FAMILY.add(OpDef("argsort", "sort", 1, "real numeric", "index", differentiable=False))
SEARCHSORTED = FAMILY.add(OpDef("searchsorted", "search", 2, "real numeric", "index", differentiable=False))


@FAMILY.samples("sort", "argsort")
def _sort_samples(name, dtypes):
    def ref(x, axis=-1, descending=False, stable=True):
        if not descending:
            idx = np.argsort(x, axis=axis, kind="stable")
        else:
            n = x.shape[axis]
            idx = n - 1 - np.flip(np.argsort(np.flip(x, axis=axis), axis=axis, kind="stable"), axis=axis)
        return idx if name == "argsort" else np.take_along_axis(x, idx, axis=axis)
    for dt in accepted(name, dtypes):
        x = values((4, 6), dt, key=("sort",))
        x[0, :3] = x[0, 3:]  # ties: stability matters
        for axis in (-1, 0):
            for desc in (False, True):
                yield Sample(name, (x,), {"axis": axis, "descending": desc}, ref=ref, label=f"{axis}-{desc}-{dt.name}",
                             grad=False)
        if dt.kind == "float":
            yield Sample(name, (values((4, 6), dt, key=("g",)),), ref=ref, label=f"distinct-{dt.name}")


@FAMILY.samples("searchsorted")
def _searchsorted_samples(name, dtypes):
    for dt in [d for d in accepted(name, dtypes) if d.kind != "bool"]:
        s = np.sort(values((8,), dt, key=(1,)))
        q = values((3, 2), dt, key=(2,))
        for side in ("left", "right"):
            yield Sample(name, (s, q), {"side": side}, label=f"{side}-{dt.name}", grad=False)
