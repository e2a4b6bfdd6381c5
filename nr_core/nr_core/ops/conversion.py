"""Conversions: ``astype`` (a primitive) and ``to_device`` (moves through the host where a backend pair has no
faster path; the frontend records it as one node, so gradients flow back across devices)."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from ..optable import OpDef
from ..samples import Sample, floats, values
from ._family import Family

FAMILY = Family()

ASTYPE = FAMILY.add(OpDef("astype", "cast", 1, "any", "custom"))
TO_DEVICE = FAMILY.add(OpDef("to_device", "transfer", 1, "any", "custom", primitive=False))


@FAMILY.decomposition("to_device")
def _via_host(x, device, source):
    host = np.asarray(x._backend.to_host(x._data))
    # fake devices of one backend (cpu:0, cpu:1) share memory: copy to keep them apart
    return nr.asarray(host, device=device, copy=True if source.kind == device.kind else None)


@FAMILY.samples("astype")
def _astype_samples(name, dtypes):
    for src in dtypes:
        for dst in dtypes:
            if src.kind == "complex" and dst.kind != "complex":
                continue
            # negative floats to unsigned ints are unspecified (NumPy's float16 wraps, ml_dtypes' bfloat16 clamps)
            low = 0.0 if src in _d.LOW_PRECISION and dst.kind == "uint" else -2.0
            x = values((2, 3), src, low, 3.0)
            yield Sample(name, (x,), call=lambda a, _t=dst: nr.astype(a, _t),
                         ref=lambda a, _t=dst: a.astype(_t.numpy), label=f"{src.name}->{dst.name}",
                         ref_in_float32=False,
                         grad=src.kind == "float" and dst is nr.float64)  # float32 outputs are too coarse for it


@FAMILY.samples("to_device")
def _to_device_samples(name, dtypes):
    for dt in floats(dtypes):
        yield Sample(name, (values((2, 3), dt),), call=lambda a: a.to_device("cpu").to_device(a.device),
                     ref=lambda a: a, label=dt.name)
