"""The dask device: the ndarray base with ``xp = dask.array``, arrays lazy until a value is needed.

What differs from the CPU backend: buffers are dask arrays (graphs of chunks) and every kernel only builds graph;
values are computed by the current scheduler (``scheduling.py``) when the frontend needs them (``to_host``: ``item()``,
``numpy()``, ``bool()``, printing, moving to another device) or is asked to (``realize``: ``x.compute()``,
``nr.realize(...)``); every kernel's result is checked against the per-chunk memory budget (``budget.py``) while the
graph is built, so an op that would need too large a chunk is refused before anything runs.
"""
from __future__ import annotations

import functools

import numpy as np

from nr_core.backend import Capabilities
from nr_core.devices import Device
from nr_core.ndarray_backend import NdarrayBackend
from nr_core import optable

from . import budget, scheduling
from .blocks import chunkwise
from .kernels import CHUNKWISE, DROPPED, DaskKernels

INSTALL_HINT = 'pip install "nr-backend-dask"   (dask[array]; "nr-backend-dask[distributed]" for clusters)'


class DaskBackend(DaskKernels, NdarrayBackend):
    name = "dask"
    device_kind = "dask"
    distribution = "nr-backend-dask"
    install_hint = INSTALL_HINT
    # boolean masks, nonzero and unique give chunks of unknown (NaN) size in Dask; the standard wants a known
    # shape or None, so those ops are declared unsupported rather than half-working. No in-place out=: a dask
    # array is a graph, never written in place.
    capabilities = Capabilities(data_dependent_shapes=False, inplace_out=False, chunks=True,
                                finite_differences=False)

    def __init__(self) -> None:
        # the base would build kernels over numpy now; dask.array's come from probe(), once it imports
        self.kernels = {}
        self.xp = None

    def probe(self) -> tuple[bool, str]:
        try:
            import dask
            import dask.array as da
        except ImportError as exc:
            return False, f"dask.array is not importable ({exc})"
        self.xp = da
        kernels = self.make_kernels()
        for name in DROPPED:
            kernels.pop(name, None)
        for name in CHUNKWISE:
            kernels[name] = chunkwise(name)
        self.kernels.update((name, self._checked(name, k)) for name, k in kernels.items())
        return True, f"Dask {dask.__version__}"

    def adapt_kernel(self, name: str, kernel):
        """Plugins' kernels for the whole ndarray family (nr_nn's) are written for NumPy's memory model (views,
        ``out=``, writes in loops), which a graph of chunks does not have: they are refused, and the ops'
        decompositions, written in nr ops, run lazily here. Kernels a plugin registered for "dask" by name are
        kept, with the budget check."""
        if self.name not in optable.KERNELS.get(name, {}):
            return None
        return self._checked(name, kernel)

    def _checked(self, name: str, kernel):
        """``kernel`` with its result checked against the chunk budget; creation kernels make automatic chunks
        that fit it."""
        op = optable.OPS.get(name)
        creates = op is not None and op.kind == "creation"

        @functools.wraps(kernel)
        def checked(*args, **params):
            if creates:
                with budget.automatic_chunks():
                    out = kernel(*args, **params)
            else:
                out = kernel(*args, **params)
            for buf in out if isinstance(out, tuple) else (out,):
                if hasattr(buf, "chunks"):
                    budget.check(name, buf)
            return out
        return checked

    def devices(self) -> list[Device]:
        return [Device("dask", 0)]

    def device_names(self) -> dict:
        return {Device("dask", 0): f"lazy chunked arrays, {scheduling.describe()}"}

    def is_accelerator(self, device: Device) -> bool:
        return False  # the same cores as the CPU backend, in chunks

    # -- transfer and realisation ---------------------------------------------------------------
    def from_host(self, array: np.ndarray, device: Device):
        # a copy: the graph must not see later writes to the caller's array; name=False skips hashing the data
        with budget.automatic_chunks():
            out = self.xp.from_array(np.array(array, copy=True), chunks="auto", name=False)
        budget.check("from_host", out)
        return out

    def to_host(self, buf) -> np.ndarray:
        if not hasattr(buf, "dask"):
            return np.asarray(buf)
        return np.asarray(scheduling.compute(buf)[0])

    def realize(self, bufs: list) -> list:
        lazy = [i for i, b in enumerate(bufs) if hasattr(b, "dask")]
        done = list(bufs)
        for i, b in zip(lazy, scheduling.persist(*(bufs[i] for i in lazy))):
            done[i] = b
        return done

    def rechunk(self, buf, chunks):
        out = self.xp.asarray(buf).rechunk(chunks)
        budget.check("rechunk", out)
        return out

    def dlpack(self, buf, **kwargs):
        return self.to_host(buf).__dlpack__(**kwargs)

    def dlpack_device(self, buf):
        return (1, 0)  # exported from host memory, once computed
