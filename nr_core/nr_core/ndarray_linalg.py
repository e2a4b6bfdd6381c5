"""Linear-algebra and FFT kernels of the ndarray-module backend base (``xp.linalg``, ``xp.fft``).

Only calls that NumPy and CuPy share are used, so the CPU and CUDA backends run the same code. The frontend
has checked shapes and dtypes; every kernel returns buffers of the op table's result dtypes.
"""
from __future__ import annotations

from .ndarray_special import quiet


def _like(out, dtype):
    # some modules compute low precision in high precision; results keep the input's precision
    return out if out.dtype == dtype else out.astype(dtype)


def _largest(xp, s):
    """The largest singular value of each stack, kept as a trailing axis (0 for empty matrices)."""
    if s.shape[-1] == 0:
        return xp.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    return xp.max(s, axis=-1, keepdims=True)


class NdarrayLinalgKernels:
    """Mixin of ``NdarrayBackend``: ``k_<op>`` methods for the ``linalg`` and ``fft`` ops of the op table."""

    # -- factorisations and solves ------------------------------------------------------------
    def k_cholesky(self, x, upper=False):
        low = _like(self.xp.linalg.cholesky(x), x.dtype)
        return self.xp.conj(self.xp.swapaxes(low, -1, -2)) if upper else low

    def k_det(self, x):
        return _like(self.xp.asarray(self.xp.linalg.det(x)), x.dtype)

    def k_slogdet(self, x):
        sign, logabs = self.xp.linalg.slogdet(x)
        return _like(self.xp.asarray(sign), x.dtype), _like(self.xp.asarray(logabs), x.real.dtype)

    def k_eigh(self, x):
        w, v = self.xp.linalg.eigh(x)
        return _like(w, x.real.dtype), _like(v, x.dtype)

    def k_eigvalsh(self, x):
        return _like(self.xp.linalg.eigvalsh(x), x.real.dtype)

    def k_inv(self, x):
        return _like(self.xp.linalg.inv(x), x.dtype)

    def k_qr(self, x, mode="reduced"):
        q, r = self.xp.linalg.qr(x, mode=mode)
        return _like(q, x.dtype), _like(r, x.dtype)

    def k_solve(self, x1, x2):
        return _like(self.xp.linalg.solve(x1, x2), x1.dtype)

    def k_svd(self, x, full_matrices=True):
        u, s, vh = self.xp.linalg.svd(x, full_matrices=full_matrices)
        return _like(u, x.dtype), _like(s, x.real.dtype), _like(vh, x.dtype)

    def k_svdvals(self, x):
        return _like(self.xp.linalg.svd(x, compute_uv=False), x.real.dtype)

    def k_pinv(self, x, rtol=None):
        # rtol is resolved by the frontend (default max(M, N) * eps), so every module gets the same cutoff
        xp = self.xp
        u, s, vh = xp.linalg.svd(x, full_matrices=False)
        cutoff = xp.asarray(rtol, dtype=s.dtype)[..., None] * _largest(xp, s)
        s_inv = xp.where(s > cutoff, 1 / xp.where(s > cutoff, s, 1), 0).astype(s.dtype)
        return _like(xp.matmul(xp.conj(xp.swapaxes(vh, -1, -2)) * s_inv[..., None, :],
                               xp.conj(xp.swapaxes(u, -1, -2))), x.dtype)

    def k_matrix_rank(self, x, rtol=None):
        xp = self.xp
        s = xp.linalg.svd(x, compute_uv=False)
        tol = xp.asarray(rtol, dtype=s.dtype)[..., None] * _largest(xp, s)
        return xp.count_nonzero(s > tol, axis=-1).astype(xp.int64)

    def k_matrix_power(self, x, n):
        return _like(self.xp.linalg.matrix_power(x, n), x.dtype)

    # -- products, norms and reductions ---------------------------------------------------------
    def k_cross(self, x1, x2, axis=-1):
        return self.xp.cross(x1, x2, axis=axis)

    def k_outer(self, x1, x2):
        return self.xp.multiply.outer(x1, x2)

    def k_diagonal(self, x, offset=0):
        return self.xp.diagonal(x, offset=offset, axis1=-2, axis2=-1)

    def k_trace(self, x, offset=0, dtype=None):
        return self.xp.asarray(self.xp.trace(x, offset=offset, axis1=-2, axis2=-1,
                                             dtype=None if dtype is None else dtype.numpy))

    def k_vector_norm(self, x, axis=None, keepdims=False, ord=2):
        xp = self.xp
        a = xp.abs(x)
        if ord == float("inf"):
            out = xp.max(a, axis=axis, keepdims=keepdims)
        elif ord == float("-inf"):
            out = xp.min(a, axis=axis, keepdims=keepdims)
        elif ord == 0:
            out = xp.sum(a != 0, axis=axis, keepdims=keepdims, dtype=a.dtype)
        elif ord == 1:
            out = xp.sum(a, axis=axis, keepdims=keepdims)
        elif ord == 2:
            out = xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdims))
        else:
            with quiet(xp):
                out = xp.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
        return _like(xp.asarray(out), a.dtype)

    def k_matrix_norm(self, x, keepdims=False, ord="fro"):
        xp = self.xp
        out = xp.linalg.norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
        return _like(xp.asarray(out), x.real.dtype)

    # -- fft ------------------------------------------------------------------------------------
    def _fft1(self, fn, x, n, axis, norm, dtype):
        return _like(fn(x, n=n, axis=axis, norm=norm), dtype)

    def _fftn(self, fn, x, s, axes, norm, dtype):
        return _like(fn(x, s=s, axes=axes, norm=norm), dtype)

    def k_fft(self, x, n=None, axis=-1, norm="backward"):
        return self._fft1(self.xp.fft.fft, x, n, axis, norm, x.dtype)

    def k_ifft(self, x, n=None, axis=-1, norm="backward"):
        return self._fft1(self.xp.fft.ifft, x, n, axis, norm, x.dtype)

    def k_fftn(self, x, s=None, axes=None, norm="backward"):
        return self._fftn(self.xp.fft.fftn, x, s, axes, norm, x.dtype)

    def k_ifftn(self, x, s=None, axes=None, norm="backward"):
        return self._fftn(self.xp.fft.ifftn, x, s, axes, norm, x.dtype)

    def k_rfft(self, x, n=None, axis=-1, norm="backward"):
        return self._fft1(self.xp.fft.rfft, x, n, axis, norm, _complex_of(self.xp, x.dtype))

    def k_irfft(self, x, n=None, axis=-1, norm="backward"):
        return self._fft1(self.xp.fft.irfft, x, n, axis, norm, x.real.dtype)

    def k_rfftn(self, x, s=None, axes=None, norm="backward"):
        return self._fftn(self.xp.fft.rfftn, x, s, axes, norm, _complex_of(self.xp, x.dtype))

    def k_irfftn(self, x, s=None, axes=None, norm="backward"):
        return self._fftn(self.xp.fft.irfftn, x, s, axes, norm, x.real.dtype)

    def k_hfft(self, x, n=None, axis=-1, norm="backward"):
        return self._fft1(self.xp.fft.hfft, x, n, axis, norm, x.real.dtype)

    def k_ihfft(self, x, n=None, axis=-1, norm="backward"):
        return self._fft1(self.xp.fft.ihfft, x, n, axis, norm, _complex_of(self.xp, x.dtype))

    def k_fftshift(self, x, axes=None):
        return self.xp.fft.fftshift(x, axes=axes)

    def k_ifftshift(self, x, axes=None):
        return self.xp.fft.ifftshift(x, axes=axes)

    def k_fftfreq(self, n, d, dtype, device):
        return self.xp.fft.fftfreq(n, d).astype(dtype.numpy)

    def k_rfftfreq(self, n, d, dtype, device):
        return self.xp.fft.rfftfreq(n, d).astype(dtype.numpy)


def _complex_of(xp, dtype):
    return xp.result_type(dtype, xp.complex64)

