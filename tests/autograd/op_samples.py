"""Sample calls per differentiable op for the gradient checks (in the spirit of PyTorch's OpInfo samples).

Each ``Sample`` calls its op through the public API on float64 (or complex128) arrays that require grad,
with values kept away from the op's kinks and poles so that central differences are accurate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import nr_core as nr
from nr_autograd.scatter import index_add

_rng = np.random.default_rng(1234)


@dataclass
class Sample:
    op: str
    fn: Callable
    inputs: tuple
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.op}-{self.note}" if self.note else self.op


def R(*shape, lo=-1.0, hi=1.0):
    """A float64 array requiring grad, uniform in [lo, hi)."""
    return nr.asarray(_rng.uniform(lo, hi, shape), dtype=nr.float64, requires_grad=True)


def C(*shape, scale=1.0):
    """A complex128 array requiring grad."""
    v = (_rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)) * scale
    return nr.asarray(v, dtype=nr.complex128, requires_grad=True)


def A(values, dtype=nr.float64):
    return nr.asarray(values, dtype=dtype, requires_grad=True)


def _idx(values):
    return nr.asarray(values, dtype=nr.int64)


S = Sample
SAMPLES: list[Sample] = [
    # ---- elementwise unary
    S("abs", nr.abs, (A([-1.5, -0.3, 0.4, 2.0]),)),
    S("abs", nr.abs, (C(4),), "complex"),
    S("acos", nr.acos, (R(5, lo=-0.9, hi=0.9),)),
    S("acosh", nr.acosh, (R(5, lo=1.2, hi=3.0),)),
    S("asin", nr.asin, (R(5, lo=-0.9, hi=0.9),)),
    S("asinh", nr.asinh, (R(5),)),
    S("atan", nr.atan, (R(5),)),
    S("atanh", nr.atanh, (R(5, lo=-0.8, hi=0.8),)),
    S("conj", nr.conj, (C(2, 2),)),
    S("cos", nr.cos, (R(5),)),
    S("cos", nr.cos, (C(3),), "complex"),
    S("cosh", nr.cosh, (R(5),)),
    S("exp", nr.exp, (R(2, 3),)),
    S("exp", nr.exp, (C(3),), "complex"),
    S("expm1", nr.expm1, (R(5),)),
    S("imag", nr.imag, (C(4),)),
    S("log", nr.log, (R(5, lo=0.5, hi=2.0),)),
    S("log", nr.log, (C(3),), "complex"),
    S("log1p", nr.log1p, (R(5, lo=-0.5, hi=1.0),)),
    S("log2", nr.log2, (R(5, lo=0.5, hi=2.0),)),
    S("log10", nr.log10, (R(5, lo=0.5, hi=2.0),)),
    S("negative", nr.negative, (R(4),)),
    S("positive", nr.positive, (R(4),)),
    S("real", nr.real, (C(4),)),
    S("reciprocal", nr.reciprocal, (R(5, lo=0.5, hi=2.0),)),
    S("reciprocal", nr.reciprocal, (C(3),), "complex"),
    S("sin", nr.sin, (R(5),)),
    S("sinh", nr.sinh, (R(5),)),
    S("square", nr.square, (R(5),)),
    S("square", nr.square, (C(3),), "complex"),
    S("sqrt", nr.sqrt, (R(5, lo=0.5, hi=2.0),)),
    S("sqrt", nr.sqrt, (C(3),), "complex"),
    S("tan", nr.tan, (R(5),)),
    S("tanh", nr.tanh, (R(5),)),
    S("tanh", nr.tanh, (C(3, scale=0.5),), "complex"),
    S("sigmoid", nr.sigmoid, (R(5, lo=-3, hi=3),)),
    S("relu", nr.relu, (A([-1.0, -0.2, 0.3, 1.5]),)),
    # ---- elementwise binary (with broadcasting and Python scalars)
    S("add", nr.add, (R(3, 1), R(4)), "broadcast"),
    S("add", lambda a: 2.5 + a, (R(3),), "scalar"),
    S("subtract", nr.subtract, (R(2, 3), R(3)), "broadcast"),
    S("subtract", lambda a: 1.0 - a, (R(3),), "rscalar"),
    S("multiply", nr.multiply, (R(3, 1), R(1, 4)), "broadcast"),
    S("multiply", nr.multiply, (C(3), C(3)), "complex"),
    S("multiply", lambda a: a * 3.0, (R(3),), "scalar"),
    S("divide", nr.divide, (R(2, 3), R(3, lo=0.5, hi=2.0)), "broadcast"),
    S("divide", nr.divide, (C(3), C(3)), "complex"),
    S("divide", lambda a: 2.0 / a, (R(3, lo=0.5, hi=2.0),), "rscalar"),
    S("pow", nr.pow, (R(2, 3, lo=0.5, hi=2.0), R(3)), "tensor-exponent"),
    S("pow", lambda a: a ** 3, (R(4),), "int-exponent"),
    S("pow", lambda a: a ** 2.5, (R(4, lo=0.5, hi=2.0),), "float-exponent"),
    S("pow", lambda b: 2.0 ** b, (R(4),), "scalar-base"),
    S("pow", nr.pow, (C(3), C(3, scale=0.5)), "complex"),
    S("atan2", nr.atan2, (R(4), R(4, lo=0.5, hi=2.0))),
    S("copysign", nr.copysign, (A([-1.5, 0.5, 2.0, -0.7]), A([1.0, -2.0, 3.0, -1.0]))),
    S("hypot", nr.hypot, (R(4, lo=0.5, hi=2.0), R(4))),
    S("logaddexp", nr.logaddexp, (R(2, 3), R(3))),
    S("maximum", nr.maximum, (A([1.0, -2.0, 0.5]), A([0.0, -1.0, 2.0]))),
    S("maximum", lambda a: nr.maximum(a, 0.1), (A([1.0, -2.0, 0.5]),), "scalar"),
    S("minimum", nr.minimum, (A([1.0, -2.0, 0.5]), A([0.0, -1.0, 2.0]))),
    S("remainder", nr.remainder, (R(4, lo=0.1, hi=0.9), R(4, lo=1.2, hi=1.5))),
    # ---- where / clip / cast / transfer
    S("where", lambda x, y: nr.where(nr.asarray([True, False, True]), x, y), (R(2, 3), R(3))),
    S("where", lambda x: nr.where(nr.asarray([True, False, True]), x, 0.0), (R(3),), "scalar"),
    S("clip", lambda x: nr.clip(x, -0.5, 0.5), (A([-1.0, -0.2, 0.3, 0.9]),)),
    S("astype", lambda x: nr.astype(x, nr.complex128), (R(3),), "to-complex"),
    S("astype", lambda x: nr.astype(x, nr.float64, copy=True), (R(3),), "copy"),
    S("to_device", lambda x: x.to_device("cpu:1") * 2.0, (R(3),)),
    # ---- reductions and scans
    S("sum", lambda x: nr.sum(x, axis=1), (R(3, 4),)),
    S("sum", lambda x: nr.sum(x, axis=(0, 2), keepdims=True), (R(2, 3, 2),), "keepdims"),
    S("sum", nr.sum, (C(3),), "complex"),
    S("mean", lambda x: nr.mean(x, axis=0), (R(3, 4),)),
    S("mean", nr.mean, (R(3, 4),), "all"),
    S("prod", lambda x: nr.prod(x, axis=1), (R(3, 4, lo=0.5, hi=1.5),)),
    S("prod", lambda x: nr.prod(x, axis=0),
      (A([[0.0, 2.0, 0.0], [1.5, 0.0, 0.0], [2.0, 3.0, 0.5]]),), "zeros"),
    S("prod", nr.prod, (C(4),), "complex"),
    S("max", lambda x: nr.max(x, axis=1), (A([[1.0, 3.0, 2.0], [0.5, -1.0, 0.0]]),)),
    S("max", nr.max, (A([[1.0, 3.0], [2.0, -1.0]]),), "all"),
    S("min", lambda x: nr.min(x, axis=0, keepdims=True), (A([[1.0, 3.0, 2.0], [0.5, -1.0, 4.0]]),)),
    S("var", lambda x: nr.var(x, axis=1, correction=1), (R(3, 4),)),
    S("std", lambda x: nr.std(x, axis=0), (R(4, 3),)),
    S("logsumexp", lambda x: nr.logsumexp(x, axis=1), (R(3, 4),)),
    S("cumulative_sum", lambda x: nr.cumulative_sum(x, axis=1), (R(2, 4),)),
    S("cumulative_sum", lambda x: nr.cumulative_sum(x, include_initial=True), (R(4),), "initial"),
    S("cumulative_prod", lambda x: nr.cumulative_prod(x, axis=1), (R(2, 4, lo=0.5, hi=1.5),)),
    S("cumulative_prod", lambda x: nr.cumulative_prod(x, include_initial=True),
      (A([1.5, 0.0, 2.0, 0.0, 0.5]),), "zeros"),
    S("diff", lambda x: nr.diff(x, axis=0, n=2), (R(5, 2),)),
    # ---- linear algebra
    S("matmul", nr.matmul, (R(3, 4), R(4, 2)), "2d"),
    S("matmul", nr.matmul, (R(2, 1, 3, 4), R(3, 4, 2)), "batch-broadcast"),
    S("matmul", nr.matmul, (R(4), R(4, 3)), "1d-2d"),
    S("matmul", nr.matmul, (R(2, 3, 4), R(4)), "nd-1d"),
    S("matmul", nr.matmul, (R(4), R(4)), "1d-1d"),
    S("matmul", nr.matmul, (C(2, 3), C(3, 2)), "complex"),
    S("tensordot", lambda a, b: nr.tensordot(a, b, axes=1), (R(2, 3), R(3, 4)), "axes1"),
    S("tensordot", lambda a, b: nr.tensordot(a, b, axes=((1, 0), (0, 2))), (R(2, 3, 2), R(3, 4, 2)), "pairs"),
    S("vecdot", nr.vecdot, (R(2, 3), R(3)), "broadcast"),
    S("vecdot", nr.vecdot, (C(2, 3), C(2, 3)), "complex"),
    # ---- shape
    S("reshape", lambda x: nr.reshape(x, (3, 2)), (R(2, 3),)),
    S("permute_dims", lambda x: nr.permute_dims(x, (2, 0, 1)), (R(2, 3, 2),)),
    S("broadcast_to", lambda x: nr.broadcast_to(x, (2, 3, 4)), (R(3, 1),)),
    S("expand_dims", lambda x: nr.expand_dims(x, axis=1), (R(2, 3),)),
    S("squeeze", lambda x: nr.squeeze(x, axis=1), (R(2, 1, 3),)),
    S("matrix_transpose", nr.matrix_transpose, (R(2, 3, 4),)),
    S("moveaxis", lambda x: nr.moveaxis(x, 0, -1), (R(2, 3, 4),)),
    S("flip", lambda x: nr.flip(x, axis=1), (R(2, 3),)),
    S("roll", lambda x: nr.roll(x, 2, axis=1), (R(2, 4),)),
    S("roll", lambda x: nr.roll(x, -1), (R(2, 3),), "flat"),
    S("concat", lambda a, b: nr.concat([a, b], axis=1), (R(2, 3), R(2, 2))),
    S("stack", lambda a, b: nr.stack([a, b], axis=1), (R(2, 3), R(2, 3))),
    S("tile", lambda x: nr.tile(x, (2, 1, 3)), (R(2, 3),)),
    S("repeat", lambda x: nr.repeat(x, 2, axis=1), (R(2, 3),), "int"),
    S("repeat", lambda x: nr.repeat(x, nr.asarray([1, 0, 3]), axis=0), (R(3, 2),), "array"),
    S("repeat", lambda x: nr.repeat(x, 2), (R(2, 2),), "flat"),
    S("tril", lambda x: nr.tril(x, k=-1), (R(3, 3),)),
    S("triu", nr.triu, (R(3, 4),)),
    # ---- indexing and sorting
    S("getitem", lambda x: x[1:, ::2], (R(3, 4),), "basic"),
    S("getitem", lambda x: x[_idx([0, 2, 0, 0])], (R(3, 2),), "repeated-indices"),
    S("getitem", lambda x: x[:, _idx([[1, 1], [0, 3]])], (R(2, 4),), "2d-index"),
    S("getitem", lambda x: x[nr.asarray([[True, False, True], [False, False, True]])], (R(2, 3),), "bool-mask"),
    S("getitem", lambda x: x[None, ..., 1], (R(2, 3),), "newaxis-ellipsis"),
    S("setitem", lambda x, v: _set(x, (slice(None), 1), v), (R(3, 3), R(3)), "basic"),
    S("setitem", lambda x, v: _set(x, _idx([0, 2]), v), (R(3, 2), R(2)), "broadcast-value"),
    S("setitem", lambda x, v: _set(x, nr.asarray([True, False, True]), v), (R(3), R(2)), "bool-mask"),
    S("take", lambda x: nr.take(x, _idx([2, 0, 2, 1]), axis=1), (R(2, 3),)),
    S("take_along_axis", lambda x: nr.take_along_axis(x, _idx([[0, 0], [2, 1]]), axis=1), (R(2, 3),)),
    S("index_add", lambda b, v: index_add(b, v, (_idx([0, 1, 0]),)), (R(2, 3), R(3, 3))),
    S("sort", lambda x: nr.sort(x, axis=1), (R(3, 4),)),
    S("sort", lambda x: nr.sort(x, descending=True), (R(5),), "descending"),
]


# ---- linalg extension (Hermitian-input factorisations see a Hermitian function of the input, as in PyTorch's
# own checks: those kernels read one triangle only, so a raw input's other triangle has no finite difference)
def _herm(x):
    return nr.matmul(x, nr.conj(nr.matrix_transpose(x))) + x.shape[-1] * nr.eye(x.shape[-1], dtype=x.dtype)


def _well(*shape, cplx=False):
    x = C(*shape) if cplx else R(*shape)
    with nr.no_grad():
        x += 3 * nr.eye(shape[-2], shape[-1], dtype=x.dtype)  # keep the matrices well conditioned
    return x


_W = nr.asarray(_rng.standard_normal((4, 4)))
SAMPLES += [
    S("cholesky", lambda x: nr.linalg.cholesky(_herm(x)), (R(3, 3),)),
    S("cholesky", lambda x: nr.linalg.cholesky(_herm(x), upper=True), (C(3, 3),), "upper-complex"),
    S("cross", nr.linalg.cross, (R(2, 3), R(3)), "broadcast"),
    S("det", nr.linalg.det, (_well(2, 3, 3),), "batched"),
    S("det", nr.linalg.det, (_well(3, 3, cplx=True),), "complex"),
    S("diagonal", lambda x: nr.linalg.diagonal(x, offset=1), (R(2, 3, 4),)),
    S("eigh", lambda x: tuple(nr.linalg.eigh(_herm(x)))[0], (R(3, 3),), "values"),
    # eigenvector signs are free: check a sign-invariant function of them
    S("eigh", lambda x: nr.abs(nr.linalg.eigh(_herm(x))[1]) ** 2, (R(3, 3),), "vectors"),
    S("eigvalsh", lambda x: nr.linalg.eigvalsh(_herm(x)), (C(3, 3),), "complex"),
    S("inv", nr.linalg.inv, (_well(3, 3),)),
    S("matrix_norm", nr.linalg.matrix_norm, (R(3, 4),), "fro"),
    S("matrix_norm", lambda x: nr.linalg.matrix_norm(x, ord="nuc"), (_well(3, 3),), "nuc"),
    S("matrix_norm", lambda x: nr.linalg.matrix_norm(x, ord=1), (R(3, 4),), "ord1"),
    S("matrix_power", lambda x: nr.linalg.matrix_power(x, 3), (R(3, 3),)),
    S("matrix_power", lambda x: nr.linalg.matrix_power(x, -2), (_well(3, 3),), "negative"),
    S("outer", nr.linalg.outer, (R(3), R(4))),
    S("pinv", nr.linalg.pinv, (_well(4, 3),)),
    S("qr", lambda x: tuple(nr.abs(t) for t in nr.linalg.qr(x)), (_well(4, 3),), "abs"),
    S("qr", lambda x: nr.linalg.qr(x)[1], (_well(3, 3, cplx=True),), "complex-R"),
    S("slogdet", lambda x: nr.linalg.slogdet(x)[1], (_well(3, 3),)),
    S("slogdet", lambda x: tuple(nr.linalg.slogdet(x)), (_well(3, 3, cplx=True),), "complex"),
    S("solve", nr.linalg.solve, (_well(2, 3, 3), R(3, 2)), "broadcast"),
    S("solve", nr.linalg.solve, (_well(3, 3), R(3)), "vector"),
    S("svd", lambda x: nr.linalg.svd(x, full_matrices=False)[1], (_well(4, 3),), "values"),
    S("svd", lambda x: tuple(nr.abs(t) ** 2 for t in nr.linalg.svd(x, full_matrices=False)[::2]), (_well(3, 4),),
      "vectors"),
    S("svdvals", nr.linalg.svdvals, (C(3, 2),)),
    S("trace", lambda x: nr.linalg.trace(x, offset=-1), (R(2, 3, 3),)),
    S("vector_norm", lambda x: nr.linalg.vector_norm(x, axis=1), (R(2, 3),), "l2"),
    S("vector_norm", lambda x: nr.linalg.vector_norm(x, ord=3), (C(4),), "l3-complex"),
    S("vector_norm", lambda x: nr.linalg.vector_norm(x, ord=1, keepdims=True, axis=0), (R(3, 2),), "l1"),
    # ---- fft
    S("fft", lambda x: nr.fft.fft(x, n=6, norm="ortho"), (C(2, 4),), "pad"),
    S("fft", nr.fft.fft, (R(5),), "real-input"),
    S("ifft", lambda x: nr.fft.ifft(x, n=3), (C(4),), "truncate"),
    S("fftn", lambda x: nr.fft.fftn(x, s=(3, 5)), (C(2, 4),)),
    S("ifftn", lambda x: nr.fft.ifftn(x, norm="forward"), (C(3, 2),)),
    S("rfft", nr.fft.rfft, (R(2, 6),), "even"),
    S("rfft", lambda x: nr.fft.rfft(x, n=7, norm="ortho"), (R(5),), "odd-pad"),
    S("irfft", nr.fft.irfft, (C(4),), "even"),
    S("irfft", lambda x: nr.fft.irfft(x, n=7, norm="forward"), (C(2, 4),), "odd"),
    S("rfftn", nr.fft.rfftn, (R(3, 4),)),
    S("irfftn", lambda x: nr.fft.irfftn(x, s=(3, 5)), (C(3, 3),)),
    S("hfft", nr.fft.hfft, (C(4),)),
    S("ihfft", nr.fft.ihfft, (R(5),)),
    S("fftshift", nr.fft.fftshift, (R(2, 5),)),
    S("ifftshift", lambda x: nr.fft.ifftshift(x, axes=1), (C(2, 5),)),
]


def _set(x, key, v):
    y = x * 1.0  # a non-leaf copy: leaves that require grad cannot be written in place
    y[key] = v
    return y
