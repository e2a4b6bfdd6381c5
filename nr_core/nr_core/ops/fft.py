"""The ``nr.fft`` extension: the table, decompositions of the shifts and frequency grids, the host fallback
of the transforms, and kit samples. Frontends: ``nr_core/api/fft.py``."""
from __future__ import annotations

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from ..optable import OpDef
from ..samples import Sample, device_under_test, values
from ._family import Family
from .linalg import on_host

FAMILY = Family()


def _fft(name, nin, dtypes, result="custom", differentiable=True, kind="fft"):
    return FAMILY.add(OpDef(name, kind, nin, dtypes, result, differentiable, primitive=False))


_fft("fft", 1, "complex floating-point", "same")
_fft("ifft", 1, "complex floating-point", "same")
_fft("fftn", 1, "complex floating-point", "same")
_fft("ifftn", 1, "complex floating-point", "same")
_fft("rfft", 1, "real floating-point")
_fft("irfft", 1, "complex floating-point", "real")
_fft("rfftn", 1, "real floating-point")
_fft("irfftn", 1, "complex floating-point", "real")
_fft("hfft", 1, "complex floating-point", "real")
_fft("ihfft", 1, "real floating-point")
_fft("fftshift", 1, "any", "same")
_fft("ifftshift", 1, "any", "same")
_fft("fftfreq", 0, "real floating-point", differentiable=False, kind="creation")
_fft("rfftfreq", 0, "real floating-point", differentiable=False, kind="creation")

# the transforms: the host's kernels, results moved back
HOST_OPS = ("fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft")
FAMILY.amp("fp32", *HOST_OPS)  # autocast
for _name in HOST_OPS:
    FAMILY.decomposition(_name)(on_host("fft", _name))


# ---- decompositions ------------------------------------------------------------------------------
def _shift(x, axes, sign):
    axes = tuple(range(x.ndim)) if axes is None else axes
    return nr.roll(x, tuple(sign * (x.shape[a] // 2) for a in axes), axis=axes)


@FAMILY.decomposition("fftshift")
def _fftshift(x, axes=None):
    return _shift(x, axes, 1)


@FAMILY.decomposition("ifftshift")
def _ifftshift(x, axes=None):
    return _shift(x, axes, -1)


@FAMILY.decomposition("fftfreq")
def _fftfreq(n, d, dtype, device):
    # [0, 1, ..., ceil(n/2) - 1, -floor(n/2), ..., -1] / (n d)
    k = nr.concat([nr.arange(0, (n - 1) // 2 + 1, device=device), nr.arange(-(n // 2), 0, device=device)])
    return nr.astype(k, dtype) * (1.0 / (n * d))


@FAMILY.decomposition("rfftfreq")
def _rfftfreq(n, d, dtype, device):
    return nr.astype(nr.arange(0, n // 2 + 1, device=device), dtype) * (1.0 / (n * d))


# ---- samples -------------------------------------------------------------------------------------
def _complex(dtypes):
    return [d for d in (_d.complex64, _d.complex128) if d in dtypes]


def _real(dtypes):
    return [d for d in (_d.float32, _d.float64) if d in dtypes]


@FAMILY.samples("fft", "ifft", "fftn", "ifftn", "hfft")
def _c2c_samples(name, dtypes):
    nd = name in ("fftn", "ifftn")
    for dt in _complex(dtypes):
        x = values((4, 6), dt)
        for norm in ("backward", "ortho", "forward"):
            kw = {"norm": norm} if nd else {"norm": norm, "axis": 0}
            yield Sample(name, (x,), kw, call=getattr(nr.fft, name), ref=getattr(np.fft, name),
                         label=f"{norm}-{dt.name}", rtol=1e-3, atol=1e-4, check_dtype=False)
        kw = {"s": (3, 8)} if nd else {"n": 8}
        yield Sample(name, (x,), kw, call=getattr(nr.fft, name), ref=getattr(np.fft, name), label=f"pad-{dt.name}",
                     rtol=1e-3, atol=1e-4, check_dtype=False)


@FAMILY.samples("rfft", "rfftn", "ihfft")
def _r2c_samples(name, dtypes):
    if not _complex(dtypes):  # the results are complex: nothing to run on a device without complex dtypes
        return
    for dt in _real(dtypes):
        x = values((4, 6), dt)
        for norm in ("backward", "ortho"):
            yield Sample(name, (x,), {"norm": norm}, call=getattr(nr.fft, name), ref=getattr(np.fft, name),
                         label=f"{norm}-{dt.name}", rtol=1e-3, atol=1e-4, check_dtype=False)


@FAMILY.samples("irfft", "irfftn")
def _c2r_samples(name, dtypes):
    for dt in _complex(dtypes):
        x = np.fft.rfftn(values((4, 6), _d.float64)).astype(dt.numpy) if name == "irfftn" else \
            np.fft.rfft(values((4, 6), _d.float64)).astype(dt.numpy)
        kw = {"s": (4, 6)} if name == "irfftn" else {"n": 6}
        yield Sample(name, (x,), kw, call=getattr(nr.fft, name), ref=getattr(np.fft, name), label=dt.name,
                     rtol=1e-3, atol=1e-4, check_dtype=False)


@FAMILY.samples("fftshift", "ifftshift")
def _shift_samples(name, dtypes):
    for dt in [d for d in (_d.float32, _d.int64, _d.complex64) if d in dtypes]:
        for axes in (None, 1):
            yield Sample(name, (values((4, 5), dt),), {"axes": axes}, call=getattr(nr.fft, name),
                         ref=getattr(np.fft, name), label=f"{axes}-{dt.name}", grad=dt.kind != "int")


@FAMILY.samples("fftfreq", "rfftfreq")
def _freq_samples(name, dtypes):
    for dt in _real(dtypes):
        for n, d in ((8, 1.0), (7, 0.5)):
            yield Sample(name, (), call=lambda _n=n, _d=d, _t=dt: getattr(nr.fft, name)(_n, d=_d, dtype=_t,
                                                                                          device=device_under_test()),
                         ref=lambda _n=n, _d=d, _t=dt: getattr(np.fft, name)(_n, d=_d).astype(_t.numpy),
                         label=f"{n}-{dt.name}", grad=False)
