"""Neural-network kernels of the ndarray-module backend base (conv, pooling, softmax, norms) over ``xp``.

Convolution and pooling use stride tricks (a window view of the padded input) plus one batched matmul,
and scatter back with one strided add per kernel offset: no Python loop ever runs over pixels.
Spatial parameters arrive normalised by nr_nn: tuples per spatial dim, ``padding`` as ``(lo, hi)`` pairs.
"""
from __future__ import annotations

import math
from typing import Any


class NdarrayNNKernels:
    """Mixin of ``NdarrayBackend``: ``k_<op>`` methods for the nn ops that nr_nn registers in the op table."""

    xp: Any

    # -- shared helpers -----------------------------------------------------------------------
    def _pad(self, x, padding, value=0):
        """Pad the trailing dims by ``(lo, hi)`` pairs; a negative width crops instead."""
        if not any(lo or hi for lo, hi in padding):
            return x
        lead = x.ndim - len(padding)
        if any(lo < 0 or hi < 0 for lo, hi in padding):
            x = x[(slice(None),) * lead + tuple(slice(max(-lo, 0), n - max(-hi, 0))
                                                for (lo, hi), n in zip(padding, x.shape[lead:]))]
            padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
        widths = ((0, 0),) * lead + tuple(padding)
        return self.xp.pad(x, widths, mode="constant", constant_values=value)

    def _windows(self, x, ksize, stride, dilation):
        """(N, C, *spatial) -> view (N, C, *out, *ksize) of the windows each output position reads."""
        nd = len(ksize)
        span = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
        v = self.xp.lib.stride_tricks.sliding_window_view(x, span, axis=tuple(range(2, 2 + nd)))
        return v[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)
                 + tuple(slice(None, None, d) for d in dilation)]

    def _col2im(self, cols, full, stride, dilation):
        """Sum ``cols`` (N, C, *out, *ksize) back onto a zero grid of spatial shape ``full``: one add per offset."""
        xp = self.xp
        nd = len(full)
        n, c = cols.shape[:2]
        out_sp = cols.shape[2:2 + nd]
        ksize = cols.shape[2 + nd:]
        grid = xp.zeros((n, c) + tuple(full), dtype=cols.dtype)
        for offs in _offsets(ksize):
            sl = tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                       for k, d, o, s in zip(offs, dilation, out_sp, stride))
            grid[(slice(None), slice(None)) + sl] += cols[(Ellipsis,) + offs]
        return grid

    @staticmethod
    def _crop(x, padding, out_sp):
        return x[(slice(None), slice(None)) + tuple(slice(lo, lo + o) for (lo, _), o in zip(padding, out_sp))]

    # -- convolution --------------------------------------------------------------------------
    def k_conv(self, x, w, stride, padding, dilation, groups):
        xp = self.xp
        nd = x.ndim - 2
        win = self._windows(self._pad(x, padding), w.shape[2:], stride, dilation)
        n, c = x.shape[:2]
        f, g = w.shape[0], groups
        out_sp = win.shape[2:2 + nd]
        ksz = math.prod(w.shape[2:])
        # (N, G, C/G, *out, *k) -> (G, N*out, C/G*k): the im2col copy, then one batched GEMM per call
        win = win.reshape((n, g, c // g) + out_sp + w.shape[2:])
        perm = (1, 0) + tuple(range(3, 3 + nd)) + (2,) + tuple(range(3 + nd, 3 + 2 * nd))
        cols = xp.transpose(win, perm).reshape(g, n * math.prod(out_sp), (c // g) * ksz)
        wg = w.reshape(g, f // g, (c // g) * ksz)
        out = xp.matmul(cols, xp.swapaxes(wg, 1, 2))  # (G, N*out, F/G)
        out = out.reshape((g, n) + out_sp + (f // g,))
        perm = (1, 0, nd + 2) + tuple(range(2, 2 + nd))
        return xp.ascontiguousarray(xp.transpose(out, perm)).reshape((n, f) + out_sp)

    def k_conv_weight_grad(self, x, gy, weight_shape, stride, padding, dilation, groups):
        xp = self.xp
        nd = x.ndim - 2
        ksize = tuple(weight_shape[2:])
        n, c = x.shape[:2]
        f, g = gy.shape[1], groups
        out_sp = gy.shape[2:]
        win = self._windows(self._pad(x, padding), ksize, stride, dilation)
        win = win[(slice(None), slice(None)) + tuple(slice(0, o) for o in out_sp)]
        win = win.reshape((n, g, c // g) + out_sp + ksize)
        # (G, C/G*k, N*out) against (G, F/G, N*out)
        perm = (1, 2) + tuple(range(3 + nd, 3 + 2 * nd)) + (0,) + tuple(range(3, 3 + nd))
        cols = xp.transpose(win, perm).reshape(g, (c // g) * math.prod(ksize), n * math.prod(out_sp))
        gyg = xp.transpose(gy.reshape((n, g, f // g) + out_sp), (1, 2, 0) + tuple(range(3, 3 + nd)))
        gyg = gyg.reshape(g, f // g, n * math.prod(out_sp))
        return xp.matmul(gyg, xp.swapaxes(cols, 1, 2)).reshape(tuple(weight_shape))

    def k_conv_transpose(self, x, w, stride, padding, dilation, groups):
        """Adjoint of ``conv``: x (N, Cin, *L), w (Cin, Cout/G, *k); output cropped by ``padding`` pairs
        from the full size ``(L-1)*s + d*(k-1) + 1`` (a negative ``hi`` extends it with zeros)."""
        xp = self.xp
        nd = x.ndim - 2
        n, c = x.shape[:2]
        g = groups
        fo = w.shape[1]
        ksize = w.shape[2:]
        in_sp = x.shape[2:]
        xg = xp.transpose(x.reshape((n, g, c // g) + in_sp), (1, 0) + tuple(range(3, 3 + nd)) + (2,))
        xg = xg.reshape(g, n * math.prod(in_sp), c // g)
        wg = w.reshape(g, c // g, fo * math.prod(ksize))
        cols = xp.matmul(xg, wg).reshape((g, n) + in_sp + (fo,) + ksize)
        perm = (1, 0, 2 + nd) + tuple(range(2, 2 + nd)) + tuple(range(3 + nd, 3 + 2 * nd))
        cols = xp.transpose(cols, perm).reshape((n, g * fo) + in_sp + ksize)
        full = [(li - 1) * s + d * (k - 1) + 1 for li, s, d, k in zip(in_sp, stride, dilation, ksize)]
        out_sp = tuple(fl - lo - hi for fl, (lo, hi) in zip(full, padding))
        grid_sp = tuple(max(fl, lo + o) for fl, (lo, _), o in zip(full, padding, out_sp))
        grid = self._col2im(cols, grid_sp, stride, dilation)
        return xp.ascontiguousarray(self._crop(grid, padding, out_sp))

    # -- pooling ------------------------------------------------------------------------------
    def _lowest(self, dtype):
        xp = self.xp
        return -xp.inf if xp.dtype(dtype).kind == "f" else xp.iinfo(dtype).min

    def k_max_pool(self, x, kernel_size, stride, padding, dilation):
        nd = len(kernel_size)
        win = self._windows(self._pad(x, padding, self._lowest(x.dtype)), kernel_size, stride, dilation)
        return win.max(axis=tuple(range(-nd, 0)))

    def _window_argmax(self, x, kernel_size, stride, padding, dilation):
        xp = self.xp
        nd = len(kernel_size)
        win = self._windows(self._pad(x, padding, self._lowest(x.dtype)), kernel_size, stride, dilation)
        flat = win.reshape(win.shape[:2 + nd] + (-1,))
        return flat, xp.argmax(flat, axis=-1)

    def k_max_pool_backward(self, x, gy, kernel_size, stride, padding, dilation):
        xp = self.xp
        flat, arg = self._window_argmax(x, kernel_size, stride, padding, dilation)
        k = flat.shape[-1]
        cols = (xp.arange(k) == arg[..., None]) * gy[..., None]
        cols = cols.astype(gy.dtype, copy=False).reshape(gy.shape + tuple(kernel_size))
        full = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding))
        return xp.ascontiguousarray(self._crop(self._col2im(cols, full, stride, dilation), padding, x.shape[2:]))

    def k_max_pool_indices(self, x, kernel_size, stride, padding, dilation):
        """Flat index into each (unpadded) input plane of every window's maximum, like torch's return_indices."""
        xp = self.xp
        nd = len(kernel_size)
        _, arg = self._window_argmax(x, kernel_size, stride, padding, dilation)
        coords = xp.unravel_index(arg, tuple(kernel_size))
        out_sp = arg.shape[2:]
        flat = xp.zeros(arg.shape, dtype=xp.int64)
        for a in range(nd):
            pos = xp.arange(out_sp[a]).reshape((-1,) + (1,) * (nd - 1 - a)) * stride[a]
            pos = pos + coords[a] * dilation[a] - padding[a][0]
            flat = flat * x.shape[2 + a] + pos
        return flat

    def _avg_divisor(self, spatial, dtype, kernel_size, stride, padding, count_pad, divisor_override):
        """Per-window divisor: the window's cells inside the counted region (input plus counted padding)."""
        if divisor_override:
            return divisor_override
        nd = len(kernel_size)
        mask = self._pad(self.xp.ones((1, 1) + tuple(spatial), dtype=dtype), count_pad, 1)
        mask = self._pad(mask, tuple((lo - clo, hi - chi) for (lo, hi), (clo, chi) in zip(padding, count_pad)), 0)
        return self._windows(mask, kernel_size, stride, (1,) * nd).sum(axis=tuple(range(-nd, 0)))

    def k_avg_pool(self, x, kernel_size, stride, padding, count_pad, divisor_override):
        nd = len(kernel_size)
        win = self._windows(self._pad(x, padding), kernel_size, stride, (1,) * nd)
        div = self._avg_divisor(x.shape[2:], x.dtype, kernel_size, stride, padding, count_pad, divisor_override)
        return (win.sum(axis=tuple(range(-nd, 0))) / div).astype(x.dtype, copy=False)

    def k_avg_pool_backward(self, gy, input_shape, kernel_size, stride, padding, count_pad, divisor_override):
        xp = self.xp
        nd = len(kernel_size)
        spatial = tuple(input_shape[2:])
        div = self._avg_divisor(spatial, gy.dtype, kernel_size, stride, padding, count_pad, divisor_override)
        g = (gy / div).astype(gy.dtype, copy=False)
        cols = xp.broadcast_to(g.reshape(g.shape + (1,) * nd), g.shape + tuple(kernel_size))
        full = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, padding))
        grid = self._col2im(cols, full, stride, (1,) * nd)
        return xp.ascontiguousarray(self._crop(grid, padding, spatial))

    # -- softmax family and normalisation -----------------------------------------------------
    def k_softmax(self, x, axis):
        xp = self.xp
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def k_log_softmax(self, x, axis):
        xp = self.xp
        s = x - x.max(axis=axis, keepdims=True)
        s -= xp.log(xp.exp(s).sum(axis=axis, keepdims=True))
        return s

    def k_layer_norm(self, x, ndim, eps):
        xp = self.xp
        axes = tuple(range(-ndim, 0))
        mu = x.mean(axis=axes, keepdims=True)
        d = x - mu
        var = (d * d).mean(axis=axes, keepdims=True)
        d *= 1.0 / xp.sqrt(var + eps)
        return d.astype(x.dtype, copy=False)

    def k_erf(self, x):
        # the positive series of nr_nn.ops.special, in float64, with only as many terms as max|x| needs
        xp = self.xp
        a = xp.clip(x.astype(xp.float64), -6.0, 6.0)
        a2 = a * a
        top = float(a2.max()) if a2.size else 0.0
        term = a.copy()
        total = a.copy()
        for n in range(1, int(2 * top) + 40):
            term *= a2
            term *= 2.0 / (2 * n + 1)
            total += term
        total *= xp.exp(-a2)
        total *= 2.0 / math.sqrt(math.pi)
        return total.astype(x.dtype, copy=False)


def _offsets(ksize):
    """Every index tuple of a kernel of shape ``ksize``."""
    out = [()]
    for k in ksize:
        out = [o + (i,) for o in out for i in range(k)]
    return out
