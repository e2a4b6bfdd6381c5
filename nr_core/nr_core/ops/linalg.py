"""The ``nr.linalg`` extension: the table, decompositions of the composite ops (norms, products, diagonals,
powers, pseudo-inverses) and the host fallback of factorisations and solves, with kit samples. Frontends:
``nr_core/api/linalg.py``. (``matmul``, ``tensordot`` and ``vecdot`` of the main namespace: ``products.py``.)

Factorisations, solves and transforms have no sensible formulation in the primitive set, so a backend without
their kernels runs them on the host and gets the results back on its own device: the caller sees no device
change, only the cost of two copies. Factorisation samples compare gauge-invariant functions of the outputs
(eigenvector and singular-vector signs are free), so one sample serves the value and the gradient checks.
"""
from __future__ import annotations

import math

import numpy as np

import nr_core as nr
from .. import dtypes as _d
from ..devices import Device
from ..optable import OpDef
from ..samples import Sample, floats, values
from ._family import Family

FAMILY = Family()


def _linalg(name, nin, dtypes, result="custom", differentiable=True, nout=1, view=False):
    return FAMILY.add(OpDef(name, "linalg", nin, dtypes, result, differentiable, primitive=False, view=view,
                            nout=nout))


_linalg("cholesky", 1, "floating-point", "same")
_linalg("cross", 2, "numeric", "same")
_linalg("det", 1, "floating-point", "same")
_linalg("diagonal", 1, "any", "same", view=True)
_linalg("eigh", 1, "floating-point", nout=2)
_linalg("eigvalsh", 1, "floating-point", "real")
_linalg("inv", 1, "floating-point", "same")
_linalg("matrix_norm", 1, "floating-point", "real")
_linalg("matrix_power", 1, "floating-point", "same")
_linalg("matrix_rank", 1, "floating-point", "index", differentiable=False)
_linalg("outer", 2, "numeric", "same")
_linalg("pinv", 1, "floating-point", "same")
_linalg("qr", 1, "floating-point", nout=2)
_linalg("slogdet", 1, "floating-point", nout=2)
_linalg("solve", 2, "floating-point", "same")
_linalg("svd", 1, "floating-point", nout=3)
_linalg("svdvals", 1, "floating-point", "real")
_linalg("trace", 1, "numeric")
_linalg("vector_norm", 1, "floating-point", "real")

# autocast: factorisations, solves and norms are ill-conditioned in 16 bits
FAMILY.amp("fp32", "cholesky", "det", "eigh", "eigvalsh", "inv", "matrix_norm", "matrix_rank", "pinv",
           "qr", "slogdet", "solve", "svd", "svdvals", "trace", "vector_norm")
FAMILY.amp("promote", "cross")

# factorisations and solves: the host's kernels, results moved back
HOST_OPS = ("cholesky", "det", "slogdet", "eigh", "eigvalsh", "inv", "qr", "solve", "svd", "svdvals")


def on_host(namespace: str, name: str):
    """A decomposition that runs ``nr.<namespace>.<name>`` on the host and moves the results back."""
    def fallback(*inputs, **params):
        dev = inputs[0].device
        if dev.kind == "cpu":
            raise RuntimeError(f"{namespace}.{name}: the backend of device {dev} has no kernel for this op and it "
                               f"is already on the host, so there is nothing to fall back to")
        host = Device("cpu", 0)
        out = getattr(getattr(nr, namespace), name)(*(x.to_device(host) for x in inputs), **params)
        if isinstance(out, tuple):
            return tuple(o.to_device(dev) for o in out)
        return out.to_device(dev)
    fallback.__name__ = fallback.__qualname__ = name
    return fallback


for _name in HOST_OPS:
    FAMILY.decomposition(_name)(on_host("linalg", _name))


# ---- decompositions ------------------------------------------------------------------------------
def _keep_dims_last(x, axis, size):
    """The slice ``size`` long at position ``axis`` (negative) of the last axes, keeping that axis."""
    return x[(Ellipsis, slice(size, size + 1)) + (slice(None),) * (-axis - 1)]


@FAMILY.decomposition("cross")
def _cross(x1, x2, axis=-1):
    a = [_keep_dims_last(x1, axis, i) for i in range(3)]
    b = [_keep_dims_last(x2, axis, i) for i in range(3)]
    return nr.concat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], axis=axis)


@FAMILY.decomposition("outer")
def _outer(x1, x2):
    return nr.reshape(x1, (-1, 1)) * nr.reshape(x2, (1, -1))


@FAMILY.decomposition("diagonal")
def _diagonal(x, offset=0):
    # one gather from the flattened matrices: element (i, i + offset) sits at i * n + i + offset
    m, n = x.shape[-2:]
    first = max(0, -offset)
    size = max(0, min(m, n - offset) - first)
    idx = nr.asarray([i * n + i + offset for i in range(first, first + size)], dtype=_d.int64, device=x.device)
    return nr.take(nr.reshape(x, x.shape[:-2] + (m * n,)), idx, axis=-1)


@FAMILY.decomposition("trace")
def _trace(x, offset=0, dtype=None):
    return nr.sum(_diagonal(x, offset), axis=-1, dtype=dtype)


@FAMILY.decomposition("vector_norm")
def _vector_norm(x, axis=None, keepdims=False, ord=2):
    a = nr.abs(x)
    if ord == math.inf:
        return nr.max(a, axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return nr.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return nr.sum(nr.astype(a != 0, a.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return nr.sum(a, axis=axis, keepdims=keepdims)
    if ord == 2:
        return nr.sqrt(nr.sum(a * a, axis=axis, keepdims=keepdims))
    return nr.sum(a ** float(ord), axis=axis, keepdims=keepdims) ** (1.0 / ord)


@FAMILY.decomposition("matrix_norm")
def _matrix_norm(x, keepdims=False, ord="fro"):
    if ord == "fro":
        a = nr.abs(x)
        out = nr.sqrt(nr.sum(a * a, axis=(-2, -1)))
    elif ord == "nuc":
        out = nr.sum(nr.linalg.svdvals(x), axis=-1)
    elif ord in (2, -2):
        s = nr.linalg.svdvals(x)
        out = nr.max(s, axis=-1) if ord == 2 else nr.min(s, axis=-1)
    else:
        # 1-norms sum down the columns, inf-norms along the rows
        sums = nr.sum(nr.abs(x), axis=-2 if ord in (1, -1) else -1)
        out = nr.max(sums, axis=-1) if ord > 0 else nr.min(sums, axis=-1)
    return nr.reshape(out, out.shape + (1, 1)) if keepdims else out


@FAMILY.decomposition("matrix_power")
def _matrix_power(x, n):
    # binary exponentiation: about 2·log2(n) matmuls
    if n == 0:
        return nr.zeros_like(x) + nr.eye(x.shape[-1], dtype=x.dtype, device=x.device)
    if n < 0:
        x, n = nr.linalg.inv(x), -n
    result, base = None, x
    while n:
        if n & 1:
            result = base if result is None else nr.matmul(result, base)
        n >>= 1
        if n:
            base = nr.matmul(base, base)
    return result


def _cutoff(nr, s, rtol):
    """``rtol`` times the largest singular value of each matrix, as a trailing axis to compare ``s`` with."""
    largest = nr.max(s, axis=-1, keepdims=True)
    return (nr.expand_dims(rtol, axis=-1) if hasattr(rtol, "shape") else rtol) * largest


@FAMILY.decomposition("matrix_rank")
def _matrix_rank(x, rtol=None):
    s = nr.linalg.svdvals(x)
    if s.shape[-1] == 0:
        return nr.zeros(s.shape[:-1], dtype=_d.int64, device=x.device)
    return nr.count_nonzero(s > _cutoff(nr, s, rtol), axis=-1)


@FAMILY.decomposition("pinv")
def _pinv(x, rtol=None):
    u, s, vh = nr.linalg.svd(x, full_matrices=False)
    if s.shape[-1] == 0:
        return nr.zeros(x.shape[:-2] + (x.shape[-1], x.shape[-2]), dtype=x.dtype, device=x.device)
    keep = s > _cutoff(nr, s, rtol)
    s_inv = nr.where(keep, 1 / nr.where(keep, s, nr.ones_like(s)), nr.zeros_like(s))
    return nr.matmul(nr.conj(nr.matrix_transpose(vh)) * nr.expand_dims(s_inv, axis=-2),
                     nr.conj(nr.matrix_transpose(u)))


# ---- samples -------------------------------------------------------------------------------------
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


@FAMILY.samples("cholesky")
def _cholesky_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_spd(4, dt),), call=_hermitian(name), ref=_nplin(name), label=dt.name, rtol=1e-3)
        yield Sample(name, (_spd(3, dt),), {"upper": True}, call=_hermitian(name),
                     ref=lambda a, upper: np.conj(np.swapaxes(np.linalg.cholesky(a), -1, -2)), label=f"upper-{dt.name}",
                     rtol=1e-3)


@FAMILY.samples("det", "inv")
def _det_inv_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_well(3, dt),), call=_lin(name), ref=_nplin(name), label=dt.name, rtol=1e-3)
        yield Sample(name, (_well(3, dt, batch=(2,)),), call=_lin(name), ref=_nplin(name), label=f"batched-{dt.name}",
                     rtol=1e-3)


@FAMILY.samples("slogdet")
def _slogdet_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_well(3, dt),), call=lambda a: tuple(nr.linalg.slogdet(a)),
                     ref=lambda a: tuple(np.linalg.slogdet(a)), label=dt.name, rtol=1e-3, check_dtype=False)


@FAMILY.samples("solve")
def _solve_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        yield Sample(name, (_well(3, dt), values((3, 2), dt, key=("b",))), call=_lin(name), ref=_nplin(name),
                     label=f"matrix-{dt.name}", rtol=1e-3)
        yield Sample(name, (_well(3, dt, batch=(2,)), values((2, 3, 1), dt, key=("b",))), call=_lin(name),
                     ref=_nplin(name), label=f"batched-{dt.name}", rtol=1e-3)


@FAMILY.samples("eigh", "eigvalsh")
def _eigh_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        a = _spd(4, dt)
        if name == "eigvalsh":
            yield Sample(name, (a,), call=_hermitian(name), ref=_nplin(name), label=dt.name, rtol=1e-3)
        else:  # eigenvector signs are free: compare eigenvalues and |v|^2
            eigh = _hermitian("eigh")
            yield Sample(name, (a,), call=lambda x: (eigh(x)[0], nr.abs(eigh(x)[1]) ** 2),
                         ref=lambda x: (np.linalg.eigh(x)[0], np.abs(np.linalg.eigh(x)[1]) ** 2), label=dt.name,
                         rtol=1e-3, atol=1e-4, check_dtype=False)


@FAMILY.samples("svd", "svdvals")
def _svd_samples(name, dtypes):
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


@FAMILY.samples("qr")
def _qr_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        a = _well(3, dt, key=("qr",))
        yield Sample(name, (a,), call=lambda x: (nr.abs(nr.linalg.qr(x)[0]), nr.abs(nr.linalg.qr(x)[1])),
                     ref=lambda x: (np.abs(np.linalg.qr(x)[0]), np.abs(np.linalg.qr(x)[1])), label=dt.name,
                     rtol=1e-3, atol=1e-4, check_dtype=False)


@FAMILY.samples("pinv", "matrix_rank")
def _pinv_rank_samples(name, dtypes):
    for dt in floats(dtypes):
        a = values((4, 3), dt, key=("pinv",)) + np.eye(4, 3, dtype=dt.numpy) * 3
        yield Sample(name, (a,), call=_lin(name), ref=_nplin(name), label=dt.name, rtol=1e-3,
                     grad=name == "pinv", check_dtype=name == "pinv")


@FAMILY.samples("matrix_power")
def _matrix_power_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        for n in (0, 3, -2):
            yield Sample(name, (_well(3, dt),), call=lambda a, _n=n: nr.linalg.matrix_power(a, _n),
                         ref=lambda a, _n=n: np.linalg.matrix_power(a, _n), label=f"{n}-{dt.name}", rtol=1e-3)


@FAMILY.samples("cross")
def _cross_samples(name, dtypes):
    for dt in [d for d in (_d.float32, _d.float64, _d.int64, _d.complex128) if d in dtypes]:
        yield Sample(name, (values((4, 3), dt, key=(1,)), values((4, 3), dt, key=(2,))), call=_lin(name),
                     ref=lambda a, b: np.cross(a, b), label=dt.name, grad=dt.kind != "int")


@FAMILY.samples("outer")
def _outer_samples(name, dtypes):
    for dt in [d for d in (_d.float32, _d.float64, _d.int32, _d.complex64) if d in dtypes]:
        yield Sample(name, (values((3,), dt, key=(1,)), values((4,), dt, key=(2,))), call=_lin(name), ref=np.outer,
                     label=dt.name, grad=dt.kind != "int")


@FAMILY.samples("diagonal", "trace")
def _diag_trace_samples(name, dtypes):
    for dt in [d for d in (_d.float32, _d.float64, _d.int64, _d.complex128) if d in dtypes]:
        for offset in (0, 1, -1):
            ref = (lambda a, offset: np.diagonal(a, offset, axis1=-2, axis2=-1)) if name == "diagonal" else \
                (lambda a, offset: np.trace(a, offset, axis1=-2, axis2=-1))
            yield Sample(name, (values((2, 3, 4), dt),), {"offset": offset}, call=_lin(name), ref=ref,
                         label=f"{offset}-{dt.name}", grad=dt.kind != "int", check_dtype=name == "diagonal")


@FAMILY.samples("vector_norm")
def _vector_norm_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        x = values((3, 4), dt)
        for ord_ in (2, 1, np.inf, 3):
            for axis in (None, 1):
                yield Sample(name, (x,), {"ord": ord_, "axis": axis}, call=_lin(name),
                             ref=lambda a, ord, axis: np.linalg.norm(a.reshape(-1) if axis is None else a, ord=ord,
                                                                     axis=None if axis is None else axis),
                             label=f"{ord_}-{axis}-{dt.name}", grad=ord_ != np.inf, rtol=1e-4)


@FAMILY.samples("matrix_norm")
def _matrix_norm_samples(name, dtypes):
    for dt in _real_and_complex(dtypes):
        x = values((2, 3, 4), dt)
        for ord_ in ("fro", "nuc", 1, 2):
            yield Sample(name, (x,), {"ord": ord_}, call=_lin(name),
                         ref=lambda a, ord: np.linalg.norm(a, ord=ord, axis=(-2, -1)), label=f"{ord_}-{dt.name}",
                         grad=ord_ in ("fro", "nuc"), rtol=1e-3)
