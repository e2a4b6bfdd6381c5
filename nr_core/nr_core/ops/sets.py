"""Set functions: the ``unique_*`` family (data-dependent shapes), with kit samples. Frontends:
``nr_core/api/sets.py``."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from ..optable import OpDef
from ..samples import Sample, one_of_each_kind, values
from ._family import Family

FAMILY = Family()

UNIQUE_ALL = FAMILY.add(OpDef("unique_all", "set", 1, "any", "custom", differentiable=False, nout=4))
UNIQUE_COUNTS = FAMILY.add(OpDef("unique_counts", "set", 1, "any", "custom", differentiable=False, nout=2))
UNIQUE_INVERSE = FAMILY.add(OpDef("unique_inverse", "set", 1, "any", "custom", differentiable=False, nout=2))
UNIQUE_VALUES = FAMILY.add(OpDef("unique_values", "set", 1, "any", differentiable=False))

_FLAGS = {"unique_values": {}, "unique_counts": {"return_counts": True},
          "unique_inverse": {"return_inverse": True},
          "unique_all": {"return_index": True, "return_inverse": True, "return_counts": True}}


@FAMILY.samples(*_FLAGS)
def _unique_samples(name, dtypes):
    flags = _FLAGS[name]

    def ref(x):
        out = np.unique(x.reshape(-1), **flags)
        if name == "unique_values":
            return out
        out = list(out)
        if "return_inverse" in flags:
            i = 2 if name == "unique_all" else 1
            out[i] = out[i].reshape(x.shape)
        return tuple(out)

    def call(a):
        r = getattr(nr, name)(a)
        return r if name == "unique_values" else tuple(r)
    for dt in [d for d in one_of_each_kind(dtypes) if d.kind != "complex"]:
        yield Sample(name, (values((3, 4), dt, -2, 2),), call=call, ref=ref, label=dt.name, grad=False,
                     check_dtype=False, data_dependent=True)
