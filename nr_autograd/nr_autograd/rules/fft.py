"""Gradient rules of ``nr.fft``: each transform's adjoint is a transform too (conjugate convention).

A linear map ``y = c * F x`` has vector-Jacobian product ``c * F^H g = conj(c * F conj(g))``; zero-padding or
truncation to the transform length is undone by the opposite resize. One-sided (real) transforms embed or fold
the half spectrum, as PyTorch's ``fft_r2c_backward``/``fft_c2r_backward`` do.
"""
from __future__ import annotations

import nr_core as nr

from ._table import rule_table
from ._util import conj

RULES, rule = rule_table()

_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _resize(t, axis: int, size: int):
    """``t`` truncated or zero-padded (at the end) to ``size`` along ``axis``."""
    have = t.shape[axis]
    if have == size:
        return t
    if have > size:
        return t[(slice(None),) * axis + (slice(0, size),)]
    pad = nr.zeros(t.shape[:axis] + (size - have,) + t.shape[axis + 1:], dtype=t.dtype, device=t.device)
    return nr.concat([t, pad], axis=axis)


def _resize_all(t, axes, shape):
    for a in axes:
        t = _resize(t, a, shape[a])
    return t


def _axes_lengths(ctx):
    p = ctx.params
    if "axis" in p:
        return (p["axis"],), (p["n"],)
    return tuple(p["axes"]), tuple(p["s"])


def _c2c(fn):
    """Rule of a complex-to-complex transform ``fn`` (fft, ifft, fftn, ifftn)."""
    def vjp(ctx, g):
        axes, lengths = _axes_lengths(ctx)
        norm = ctx.params["norm"]
        kw = {"axis": axes[0], "n": lengths[0]} if "axis" in ctx.params else {"axes": axes, "s": lengths}
        back = conj(fn(conj(g), norm=norm, **kw))
        return (_resize_all(back, axes, ctx.shapes[0]),)
    return vjp


rule("fft", meta=True)(_c2c(lambda x, **kw: nr.fft.fft(x, **kw)))
rule("ifft", meta=True)(_c2c(lambda x, **kw: nr.fft.ifft(x, **kw)))
rule("fftn", meta=True)(_c2c(lambda x, **kw: nr.fft.fftn(x, **kw)))
rule("ifftn", meta=True)(_c2c(lambda x, **kw: nr.fft.ifftn(x, **kw)))


def _r2c_vjp(ctx, g, norm):
    """Adjoint of a one-sided real-to-complex transform with normalisation ``norm``: embed the half spectrum in
    the full one (zeros elsewhere), apply the c2c adjoint, keep the real part."""
    axes, lengths = _axes_lengths(ctx)
    last, n_last = axes[-1], lengths[-1]
    full = _resize(g, last, n_last)
    kw = {"axis": axes[0], "n": lengths[0]} if len(axes) == 1 and "axis" in ctx.params else {"axes": axes,
                                                                                               "s": lengths}
    fn = nr.fft.fft if "axis" in kw else nr.fft.fftn
    back = nr.real(conj(fn(conj(full), norm=norm, **kw)))
    return _resize_all(back, axes, ctx.shapes[0])


def _c2r_vjp(ctx, g, norm):
    """Adjoint of a one-sided complex-to-real transform: a forward real transform with the inverse's scale, and
    the bins whose mirror images lie outside the half spectrum counted twice."""
    axes, lengths = _axes_lengths(ctx)
    scale = _SWAP[norm]
    if len(axes) == 1 and "axis" in ctx.params:
        gi = nr.fft.rfft(g, axis=axes[0], n=lengths[0], norm=scale)
    else:
        gi = nr.fft.rfftn(g, axes=axes, s=lengths, norm=scale)
    last = axes[-1]
    doubled = lengths[-1] - gi.shape[last]
    if doubled > 0:
        n_bins = gi.shape[last]
        w = [1.0] + [2.0] * doubled + [1.0] * (n_bins - 1 - doubled)
        shape = [1] * gi.ndim
        shape[last] = n_bins
        gi = gi * nr.reshape(nr.asarray(w, dtype=nr.real(gi).dtype, device=gi.device), tuple(shape))
    return _resize_all(gi, axes, ctx.shapes[0])


@rule("rfft", "rfftn", meta=True)
def _rfft(ctx, g):
    return (_r2c_vjp(ctx, g, ctx.params["norm"]),)


@rule("irfft", "irfftn", meta=True)
def _irfft(ctx, g):
    return (_c2r_vjp(ctx, g, ctx.params["norm"]),)


@rule("hfft", meta=True)
def _hfft(ctx, g):
    # hfft(x) = irfft(conj(x)) with the opposite normalisation
    return (conj(_c2r_vjp(ctx, g, _SWAP[ctx.params["norm"]])),)


@rule("ihfft", meta=True)
def _ihfft(ctx, g):
    # ihfft(x) = conj(rfft(x)) with the opposite normalisation
    return (_r2c_vjp(ctx, conj(g), _SWAP[ctx.params["norm"]]),)


@rule("fftshift")
def _fftshift(ctx, g):
    return (nr.fft.ifftshift(g, axes=ctx.params["axes"]),)


@rule("ifftshift")
def _ifftshift(ctx, g):
    return (nr.fft.fftshift(g, axes=ctx.params["axes"]),)
