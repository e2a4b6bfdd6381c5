"""A stand-in for the parts of CuPy the CUDA backend's fusion uses, over host memory: ``RawModule`` compiles
the generated CUDA C with g++ through ``cuda_shim.h`` and runs the grid as a loop, so the fusion layer
(CuPy arrays as device-layer views, realisation, write-after-read ordering) and the kernels' results are
tested without a GPU. Only what ``nr_backend_cuda.fusion`` touches exists here."""
from __future__ import annotations

import ctypes
import hashlib
import re
import subprocess
import types
from pathlib import Path

import numpy as np

HEADER = Path(__file__).with_name("cuda_shim.h")


class Memory:
    def __init__(self, nbytes: int) -> None:
        self.host = np.zeros(max(nbytes, 1), np.uint8)
        self.ptr = self.host.ctypes.data


class MemoryPointer:
    def __init__(self, mem: Memory, offset: int) -> None:
        self.mem, self.ptr = mem, mem.ptr + offset

    def __add__(self, n: int) -> "MemoryPointer":
        return MemoryPointer(self.mem, self.ptr - self.mem.ptr + n)


class _Device:
    def __init__(self, i: int = 0) -> None:
        self.id = i

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class ndarray:
    def __init__(self, shape, dtype, memptr: MemoryPointer | None = None, strides=None) -> None:
        dtype = np.dtype(dtype)
        if memptr is None:
            memptr = MemoryPointer(Memory(int(np.prod(shape)) * dtype.itemsize), 0)
        self.data, self.device = memptr, _Device(0)
        self.view = np.ndarray(shape, dtype, buffer=memptr.mem.host, offset=memptr.ptr - memptr.mem.ptr,
                               strides=strides)
        self.shape, self.dtype, self.strides = self.view.shape, dtype, self.view.strides

    def get(self) -> np.ndarray:
        return self.view.copy()


def asarray(a) -> ndarray:
    a = np.ascontiguousarray(a)
    out = ndarray(a.shape, a.dtype)
    out.view[...] = a
    return out


_SIG = re.compile(r'extern "C" __global__ void (\w+)\((.*?)\)\n', re.S)


class _Function:
    def __init__(self, lib: ctypes.CDLL) -> None:
        self.run = lib.nr_run
        self.launches = 0

    def __call__(self, grid, block, args) -> None:
        keep, ptrs = [], (ctypes.c_void_p * len(args))()
        for i, a in enumerate(args):
            if isinstance(a, ndarray):
                ptrs[i] = a.data.ptr
            elif isinstance(a, MemoryPointer):
                ptrs[i] = a.ptr
            else:
                v = np.array(a)
                assert v.dtype.kind != "O" and isinstance(a, np.generic), f"argument {i} is not sized: {a!r}"
                keep.append(v)
                ptrs[i] = v.ctypes.data
        self.run(ptrs, ctypes.c_long(grid[0]), ctypes.c_long(block[0]))
        RawModule.launches += 1


class RawModule:
    cache = Path("/tmp")
    launches = 0

    def __init__(self, code: str, options=()) -> None:
        self.code = code

    def get_function(self, name: str) -> _Function:
        got, params = _SIG.search(self.code), []
        assert got and got.group(1) == name
        for i, p in enumerate(got.group(2).split(", ")):
            ctype = p.rsplit(" ", 1)[0].replace("__restrict__", "").strip()
            params.append(f"({ctype})a[{i}]" if "*" in p else f"*({ctype.replace('const ', '')} const*)a[{i}]")
        entry = (f'\nextern "C" void nr_run(void** a, long grid, long block) {{\n'
                 f"    blockDim.x = block; blockDim.y = blockDim.z = 1;\n"
                 f"    for (long b = 0; b < grid; ++b) for (long t = 0; t < block; ++t) {{\n"
                 f"        blockIdx = {{(unsigned)b, 0, 0}}; threadIdx = {{(unsigned)t, 0, 0}};\n"
                 f"        {name}({', '.join(params)});\n    }}\n}}\n")
        src = self.code + entry
        so = self.cache / f"nr-fake-cupy-{hashlib.sha256(src.encode() + HEADER.read_bytes()).hexdigest()[:20]}.so"
        if not so.exists():
            tmp = so.with_suffix(".tmp.so")
            subprocess.run(["g++", "-x", "c++", "-", "-std=c++17", "-O0", "-shared", "-fPIC", "-w", "-include",
                            str(HEADER), "-o", str(tmp)], input=src, text=True, check=True, timeout=300)
            tmp.replace(so)
        return _Function(ctypes.CDLL(str(so)))


def _alloc(nbytes: int) -> MemoryPointer:
    return MemoryPointer(Memory(nbytes), 0)


cuda = types.SimpleNamespace(
    alloc=_alloc, MemoryPointer=MemoryPointer, Device=_Device,
    runtime=types.SimpleNamespace(getDeviceProperties=lambda i: {
        "maxThreadsPerBlock": 1024, "sharedMemPerBlock": 49152, "multiProcessorCount": 4}))
