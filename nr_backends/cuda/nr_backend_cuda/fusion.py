"""Fused elementwise chains on CUDA: the elementwise kernels return nr_core's lazy expression nodes over CuPy
memory; realising one compiles the whole chain, in CUDA C from the shared generator, through ``cupy.RawModule``
into ONE kernel (``a * b + c``, a bias add and its activation, a cast), instead of one CuPy kernel per op.

CuPy arrays join an expression as ``DeviceBuffer`` views of their allocation (one ``CudaStorage`` per
allocation, so pending readers are found again when the memory is written); every other kernel of the
backend gets its operands realised back into CuPy arrays first.
"""
from __future__ import annotations

import functools
import weakref
from typing import Any, Callable

import numpy as np

from nr_core.kernelgen import CUDA, Kernel, exprs
from nr_core.kernelgen.device import lazy
from nr_core.kernelgen.device.buffer import DeviceBuffer
from nr_core.kernelgen.device.lazy import LazyArray
from nr_core.kernelgen.device.runtime import Runtime
from nr_core.optable import OPS


class CudaStorage:
    """A CuPy allocation as the device layer sees it; ``mem`` keeps it alive while an expression reads it."""

    __slots__ = ("buf", "mem", "readers", "__weakref__")

    def __init__(self, cupy, mem) -> None:
        self.mem = mem
        self.buf = cupy.cuda.MemoryPointer(mem, 0)
        self.readers = None

    def add_reader(self, node) -> None:
        if self.readers is None:
            self.readers = weakref.WeakSet()
        self.readers.add(node)


class CudaRuntime(Runtime):
    """Memory, compiles and launches of one CUDA device for the shared device layer (elementwise fusion)."""

    dialect = CUDA

    def __init__(self, cupy, index: int) -> None:
        self.cp = cupy
        props = cupy.cuda.runtime.getDeviceProperties(index)
        super().__init__(index, fp64=True, max_wg=int(props["maxThreadsPerBlock"]),
                         local_mem=int(props["sharedMemPerBlock"]), compute_units=int(props["multiProcessorCount"]))
        self._storages: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # allocation ptr -> storage

    def storage(self, nbytes: int) -> CudaStorage:
        with self.cp.cuda.Device(self.index):
            return self._storage_of(self.cp.cuda.alloc(max(nbytes, 1)).mem)

    def _storage_of(self, mem) -> CudaStorage:
        st = self._storages.get(mem.ptr)
        if st is None or st.mem is not mem:
            st = self._storages[mem.ptr] = CudaStorage(self.cp, mem)
        return st

    def wrap(self, arr) -> DeviceBuffer:
        """A CuPy array as a strided view of its allocation."""
        item = arr.dtype.itemsize
        st = self._storage_of(arr.data.mem)
        return DeviceBuffer(st, arr.shape, tuple(s // item for s in arr.strides), (arr.data.ptr - st.mem.ptr) // item,
                            arr.dtype, self)

    def unwrap(self, buf: DeviceBuffer):
        item = buf.dtype.itemsize
        return self.cp.ndarray(buf.shape, buf.dtype, memptr=buf.storage.buf + buf.offset * item,
                               strides=tuple(s * item for s in buf.strides))

    def _compile(self, kern: Kernel) -> tuple:
        with self.cp.cuda.Device(self.index):
            fn = self.cp.RawModule(code=kern.source, options=("--std=c++14",)).get_function(kern.name)
        return fn, tuple(None if dt is None else np.dtype(dt).type for dt in kern.arg_dtypes)

    def launch(self, handle: tuple, gsize: tuple, lsize: tuple | None, args: list) -> None:
        fn, types = handle
        local = tuple(lsize or (128,))
        grid = tuple(g // n for g, n in zip(gsize, local))
        # scalars as sized NumPy scalars: CuPy passes a Python int as a C long long whatever the parameter
        kern_args = tuple(a if t is None else t(a) for a, t in zip(args, types))
        with self.cp.cuda.Device(self.index):
            fn(grid, local, kern_args)


def realized(x):
    """``x`` with every lazy node (also inside tuples and lists) realised into a CuPy array."""
    if type(x) is LazyArray:
        buf = x.realize()
        return buf.rt.unwrap(buf)
    if type(x) in (tuple, list):
        return type(x)(realized(v) for v in x)
    return x


def realizing(cp, rt_for: Callable, kernel: Callable, writes: bool = False) -> Callable:
    """``kernel`` on CuPy arrays: lazy operands realised first; a kernel that writes its first operand (or
    ``out=``) runs the pending expressions that read that memory first."""
    @functools.wraps(kernel)
    def run(*args, **kwargs):
        args = tuple(realized(a) for a in args)
        kwargs = {k: realized(v) for k, v in kwargs.items()}
        target = kwargs.get("out") if kwargs.get("out") is not None else (args[0] if writes and args else None)
        if isinstance(target, cp.ndarray):
            rt = rt_for(target)
            lazy.flush_readers(rt.wrap(target), set())
        return kernel(*args, **kwargs)
    return run


def fused(cp, rt_for: Callable, name: str, base: Callable) -> Callable:
    """The fusing kernel of elementwise op ``name``; complex operands, dtypes the expression table has no
    template for, and in-place ``out=`` calls run CuPy's own kernel (``base``) on realised operands."""
    op = OPS[name]
    make = lazy.elementwise_fn(name, op.nin, name in exprs.BOOL_RESULT, None)
    eager = realizing(cp, rt_for, base)

    def kernel(*args, **kwargs):
        if kwargs:
            return eager(*args, **kwargs)
        ref = next((a for a in args if isinstance(a, cp.ndarray) or type(a) is LazyArray), None)
        if ref is None:
            return eager(*args)
        dt = (args[1] if name == "where" else ref).dtype
        if dt.kind == "c" or exprs.template(name, op.nin, np.dtype(dt)) is None:
            return eager(*args)
        rt = ref.rt if type(ref) is LazyArray else rt_for(ref)
        return make(*(rt.wrap(a) if isinstance(a, cp.ndarray) else a for a in args))

    kernel.__name__ = name
    return kernel


def fusing_kernels(cp, kernels: dict[str, Any], rt_for: Callable) -> dict[str, Any]:
    """``kernels`` (CuPy's) with elementwise ops fused and every other kernel realising its operands;
    ``rt_for(cupy_array)`` gives the ``CudaRuntime`` of the array's device."""
    out = {}
    for name, k in kernels.items():
        if name in exprs.ELEMENTWISE_OPS and name in OPS:
            out[name] = fused(cp, rt_for, name, k)
        else:
            out[name] = realizing(cp, rt_for, k, writes=name == "setitem")
    return out
