"""Sample inputs of the ``linalg`` and ``fft`` extension ops, with NumPy references.

Factorisations are compared through gauge-invariant functions of their outputs (eigenvector and singular
vector signs are free), so the same samples serve the value and the gradient checks.
"""
from __future__ import annotations

import numpy as np

import nr_core as nr
from nr_core import dtypes as _d

from .cases import Sample, _floats, generates, values


def _spd(n, dt, key=()):
    a = values((n, n), dt, key=("spd",) + key)
    return (a @ np.conj(a.T) + n * np.eye(n)).astype(dt.numpy)


def _well(n, dt, key=(), batch=()):
    return (values(batch + (n, n), dt, key=("well",) + key) + n * np.eye(n)).astype(dt.numpy)


def _lin(name):
    return lambda *a, **kw: getattr(nr.linalg, name)(*a, **kw)


def _hermitian(name):
    """Call the op on (a + a^H)/2: the op reads one triangle, so finite differences need a symmetric input."""
    return lambda a, **kw: getattr(nr.linalg, name)((a + nr.conj(nr.matrix_transpose(a))) / 2, **kw)


def _nplin(name):
    return lambda *a, **kw: getattr(np.linalg, name)(*a, **kw)


def _real_and_complex(dtypes):
    return [d for d in (_d.float32, _d.float64, _d.complex64, _d.complex128) if d in dtypes]


@generates("cholesky")
def _cholesky(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_spd(4, dt),), call=_hermitian(name), ref=_nplin(name), label=dt.name, rtol=1e-3)
        yield Sample(name, (_spd(3, dt),), {"upper": True}, call=_hermitian(name),
                     ref=lambda a, upper: np.conj(np.swapaxes(np.linalg.cholesky(a), -1, -2)), label=f"upper-{dt.name}",
                     rtol=1e-3)


@generates("det", "inv")
def _det_inv(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_well(3, dt),), call=_lin(name), ref=_nplin(name), label=dt.name, rtol=1e-3)
        yield Sample(name, (_well(3, dt, batch=(2,)),), call=_lin(name), ref=_nplin(name), label=f"batched-{dt.name}",
                     rtol=1e-3)


@generates("slogdet")
def _slogdet(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_well(3, dt),), call=lambda a: tuple(nr.linalg.slogdet(a)),
                     ref=lambda a: tuple(np.linalg.slogdet(a)), label=dt.name, rtol=1e-3, check_dtype=False)


@generates("solve")
def _solve(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_well(3, dt), values((3, 2), dt, key=("b",))), call=_lin(name), ref=_nplin(name),
                     label=f"matrix-{dt.name}", rtol=1e-3)
        yield Sample(name, (_well(3, dt, batch=(2,)), values((2, 3, 1), dt, key=("b",))), call=_lin(name),
                     ref=_nplin(name), label=f"batched-{dt.name}", rtol=1e-3)


@generates("eigh", "eigvalsh")
def _eigh(name, dtypes):
    for dt in _real_and_complex(dtypes):
        a = _spd(4, dt)
        if name == "eigvalsh":
            yield Sample(name, (a,), call=_hermitian(name), ref=_nplin(name), label=dt.name, rtol=1e-3)
        else:  # eigenvector signs are free: compare eigenvalues and |v|^2
            eigh = _hermitian("eigh")
            yield Sample(name, (a,), call=lambda x: (eigh(x)[0], nr.abs(eigh(x)[1]) ** 2),
                         ref=lambda x: (np.linalg.eigh(x)[0], np.abs(np.linalg.eigh(x)[1]) ** 2), label=dt.name,
                         rtol=1e-3, atol=1e-4, check_dtype=False)


@generates("svd", "svdvals")
def _svd(name, dtypes):
    for dt in _real_and_complex(dtypes):
        a = values((4, 3), dt, key=("svd",)) + np.diag([3.0, 2.0, 1.0])[[0, 1, 2, 0]].astype(dt.numpy)
        if name == "svdvals":
            yield Sample(name, (a,), call=_lin(name), ref=lambda x: np.linalg.svd(x, compute_uv=False), label=dt.name,
                         rtol=1e-3)
        else:  # singular vectors flip sign in pairs: compare s and |u|^2, |vh|^2
            def call(x):
                u, s, vh = nr.linalg.svd(x, full_matrices=False)
                return s, nr.abs(u) ** 2, nr.abs(vh) ** 2

            def ref(x):
                u, s, vh = np.linalg.svd(x, full_matrices=False)
                return s, np.abs(u) ** 2, np.abs(vh) ** 2
            yield Sample(name, (a,), call=call, ref=ref, label=dt.name, rtol=1e-3, atol=1e-4, check_dtype=False)


@generates("qr")
def _qr(name, dtypes):
    for dt in _real_and_complex(dtypes):
        a = _well(3, dt, key=("qr",))
        yield Sample(name, (a,), call=lambda x: (nr.abs(nr.linalg.qr(x)[0]), nr.abs(nr.linalg.qr(x)[1])),
                     ref=lambda x: (np.abs(np.linalg.qr(x)[0]), np.abs(np.linalg.qr(x)[1])), label=dt.name,
                     rtol=1e-3, atol=1e-4, check_dtype=False)


@generates("pinv", "matrix_rank")
def _pinv_rank(name, dtypes):
    for dt in _floats(dtypes):
        a = values((4, 3), dt, key=("pinv",)) + np.eye(4, 3, dtype=dt.numpy) * 3
        yield Sample(name, (a,), call=_lin(name), ref=_nplin(name), label=dt.name, rtol=1e-3,
                     grad=name == "pinv", check_dtype=name == "pinv")


@generates("matrix_power")
def _matrix_power(name, dtypes):
    for dt in _real_and_complex(dtypes):
        for n in (0, 3, -2):
            yield Sample(name, (_well(3, dt),), call=lambda a, _n=n: nr.linalg.matrix_power(a, _n),
                         ref=lambda a, _n=n: np.linalg.matrix_power(a, _n), label=f"{n}-{dt.name}", rtol=1e-3)


@generates("cross")
def _cross(name, dtypes):
    for dt in [d for d in (_d.float32, _d.float64, _d.int64, _d.complex128) if d in dtypes]:
        yield Sample(name, (values((4, 3), dt, key=(1,)), values((4, 3), dt, key=(2,))), call=_lin(name),
                     ref=lambda a, b: np.cross(a, b), label=dt.name, grad=dt.kind != "int")


@generates("outer")
def _outer(name, dtypes):
    for dt in [d for d in (_d.float32, _d.float64, _d.int32, _d.complex64) if d in dtypes]:
        yield Sample(name, (values((3,), dt, key=(1,)), values((4,), dt, key=(2,))), call=_lin(name), ref=np.outer,
                     label=dt.name, grad=dt.kind != "int")


@generates("diagonal", "trace")
def _diag_trace(name, dtypes):
    for dt in [d for d in (_d.float32, _d.float64, _d.int64, _d.complex128) if d in dtypes]:
        for offset in (0, 1, -1):
            ref = (lambda a, offset: np.diagonal(a, offset, axis1=-2, axis2=-1)) if name == "diagonal" else \
                (lambda a, offset: np.trace(a, offset, axis1=-2, axis2=-1))
            yield Sample(name, (values((2, 3, 4), dt),), {"offset": offset}, call=_lin(name), ref=ref,
                         label=f"{offset}-{dt.name}", grad=dt.kind != "int", check_dtype=name == "diagonal")


@generates("vector_norm")
def _vector_norm(name, dtypes):
    for dt in _real_and_complex(dtypes):
        x = values((3, 4), dt)
        for ord_ in (2, 1, np.inf, 3):
            for axis in (None, 1):
                yield Sample(name, (x,), {"ord": ord_, "axis": axis}, call=_lin(name),
                             ref=lambda a, ord, axis: np.linalg.norm(a.reshape(-1) if axis is None else a, ord=ord,
                                                                     axis=None if axis is None else axis),
                             label=f"{ord_}-{axis}-{dt.name}", grad=ord_ != np.inf, rtol=1e-4)


@generates("matrix_norm")
def _matrix_norm(name, dtypes):
    for dt in _real_and_complex(dtypes):
        x = values((2, 3, 4), dt)
        for ord_ in ("fro", "nuc", 1, 2):
            yield Sample(name, (x,), {"ord": ord_}, call=_lin(name),
                         ref=lambda a, ord: np.linalg.norm(a, ord=ord, axis=(-2, -1)), label=f"{ord_}-{dt.name}",
                         grad=ord_ in ("fro", "nuc"), rtol=1e-3)


# ---- fft ----------------------------------------------------------------------------------------
def _complex(dtypes):
    return [d for d in (_d.complex64, _d.complex128) if d in dtypes]


def _real(dtypes):
    return [d for d in (_d.float32, _d.float64) if d in dtypes]


@generates("fft", "ifft", "fftn", "ifftn", "hfft")
def _c2c(name, dtypes):
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


@generates("rfft", "rfftn", "ihfft")
def _r2c(name, dtypes):
    if not _complex(dtypes):  # the results are complex: nothing to run on a device without complex dtypes
        return
    for dt in _real(dtypes):
        x = values((4, 6), dt)
        for norm in ("backward", "ortho"):
            yield Sample(name, (x,), {"norm": norm}, call=getattr(nr.fft, name), ref=getattr(np.fft, name),
                         label=f"{norm}-{dt.name}", rtol=1e-3, atol=1e-4, check_dtype=False)


@generates("irfft", "irfftn")
def _c2r(name, dtypes):
    for dt in _complex(dtypes):
        x = np.fft.rfftn(values((4, 6), _d.float64)).astype(dt.numpy) if name == "irfftn" else \
            np.fft.rfft(values((4, 6), _d.float64)).astype(dt.numpy)
        kw = {"s": (4, 6)} if name == "irfftn" else {"n": 6}
        yield Sample(name, (x,), kw, call=getattr(nr.fft, name), ref=getattr(np.fft, name), label=dt.name,
                     rtol=1e-3, atol=1e-4, check_dtype=False)


@generates("fftshift", "ifftshift")
def _shift(name, dtypes):
    for dt in [d for d in (_d.float32, _d.int64, _d.complex64) if d in dtypes]:
        for axes in (None, 1):
            yield Sample(name, (values((4, 5), dt),), {"axes": axes}, call=getattr(nr.fft, name),
                         ref=getattr(np.fft, name), label=f"{axes}-{dt.name}", grad=dt.kind != "int")


@generates("fftfreq", "rfftfreq")
def _freq(name, dtypes):
    from .cases import _DEVICE
    for dt in _real(dtypes):
        for n, d in ((8, 1.0), (7, 0.5)):
            yield Sample(name, (), call=lambda _n=n, _d=d, _t=dt: getattr(nr.fft, name)(_n, d=_d, dtype=_t,
                                                                                          device=_DEVICE[0]),
                         ref=lambda _n=n, _d=d, _t=dt: getattr(np.fft, name)(_n, d=_d).astype(_t.numpy),
                         label=f"{n}-{dt.name}", grad=False)
