"""The shim runtime: MSL kernels compiled by the host's C++ compiler through ``shim/metal_stdlib`` and run over
NumPy memory, so the Metal backend's whole Python side (and its kernels' semantics) is tested on Linux.

Each kernel becomes a shared library holding the kernel plus a C entry that binds ``void*`` arguments to its
parameters; ``shim/support.c`` walks the grid (barrier kernels: one thread per work-item of a group). Built
libraries are cached on disk by the hash of source, header and compiler (``NR_SHIM_CACHE``, default
``~/.cache/nr-metal-shim``), written under a temporary name and renamed.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from nr_core.kernelgen import METAL, Kernel
from nr_core.kernelgen.device.runtime import Runtime
from nr_core.kernelgen.source import split_arguments

SHIM_DIR = Path(__file__).parent / "shim"
CXX_FLAGS = ("-std=c++17", "-O1", "-shared", "-fPIC", "-w", "-fno-fast-math")


def find_compiler() -> str | None:
    return os.environ.get("NR_SHIM_CXX") or shutil.which("g++") or shutil.which("clang++")


def cache_dir() -> Path:
    path = Path(os.environ.get("NR_SHIM_CACHE") or Path.home() / ".cache" / "nr-metal-shim")
    path.mkdir(parents=True, exist_ok=True)
    return path


def entry_point(kern: Kernel, entry: str = "nr_item", name: str = "") -> str:
    """C entry ``entry(args, gid, lid, grp)`` calling the kernel (``name``, default its own) with its parameters
    bound from ``args``: the buffers in order, then (a packed kernel) its scalar struct."""
    name = name or kern.name
    scope = name.rsplit("::", 1)[0] + "::" if "::" in name else ""
    binds = []
    for kind, ctype, _ in kern.params:
        if kind != "arg":
            binds.append(f"({'const ' if kind == 'in' else ''}{ctype}*)a[{len(binds)}]")
        elif not kern.packed:
            binds.append(f"*(const {ctype}*)a[{len(binds)}]")
    if kern.packed:
        binds.append(f"*(const {scope}nr_args_{kern.name}*)a[{len(binds)}]")
    return (f'\nextern "C" void {entry}(void** a, uint3 gid, uint3 lid, uint3 grp) {{\n'
            f"    {name}({', '.join(binds + ['gid', 'lid', 'grp'])});\n}}\n")


def _build(cmd: list, source: str, out: Path) -> None:
    """Compile ``source`` (stdin) with ``cmd`` into the shared library ``out``, atomically: a temporary name,
    then a rename, so concurrent test workers never load a half-written library."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=out.stem, suffix=".tmp.so")
    os.close(fd)
    res = subprocess.run([*cmd, "-o", tmp], input=source, capture_output=True, text=True, timeout=300)
    if res.returncode:
        os.unlink(tmp)
        raise RuntimeError(f"metal shim: {os.path.basename(cmd[0])} rejected the source:\n{res.stderr[-4000:]}")
    os.replace(tmp, out)


class _Compiled:
    __slots__ = ("lib", "item", "barrier", "kern")

    def __init__(self, lib: ctypes.CDLL, kern: Kernel, entry: str = "nr_item") -> None:
        self.lib, self.kern, self.barrier = lib, kern, kern.uses_barrier
        self.item = ctypes.cast(getattr(lib, entry), ctypes.c_void_p)


class ShimRuntime(Runtime):
    """``metal:0`` on the host: buffers are NumPy byte arrays, kernels shared libraries built from the MSL."""

    dialect = METAL
    is_host = True  # not an accelerator; kernels take the GPU forms all the same, so barriers are exercised

    def __init__(self, index: int, cxx: str) -> None:
        super().__init__(index, fp64=False, max_wg=64, local_mem=32768, compute_units=1)
        self.cxx = cxx
        self._key = hashlib.sha256((cxx + " ".join(CXX_FLAGS)).encode()
                                   + (SHIM_DIR / "metal_stdlib").read_bytes()).hexdigest()
        self.support = self._support()

    def _support(self) -> ctypes.CDLL:
        text = (SHIM_DIR / "support.c").read_text()
        cc = shutil.which("gcc") or shutil.which("cc") or self.cxx
        path = cache_dir() / f"support-{hashlib.sha256(text.encode() + cc.encode()).hexdigest()[:16]}.so"
        if not path.exists():
            _build([cc, "-x", "c", "-", "-O2", "-shared", "-fPIC", "-pthread"], text, path)
        lib = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)  # kernels resolve nr_shim_barrier against it
        lib.nr_shim_run.restype = ctypes.c_int
        lib.nr_shim_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)] + [ctypes.c_long] * 6 + [
            ctypes.c_int]
        return lib

    def compile_command(self, *extra: str) -> list:
        """The compiler command reading MSL from stdin through the shim header."""
        return [self.cxx, "-x", "c++", "-", *CXX_FLAGS, "-I", str(SHIM_DIR), *extra]

    # -- memory --------------------------------------------------------------------------------------
    def _allocate(self, nbytes: int) -> np.ndarray:
        return np.zeros(nbytes, dtype=np.uint8)

    def _release(self, buf) -> None:
        return None  # NumPy frees it with the last reference

    def _write(self, buf: np.ndarray, host: np.ndarray) -> None:
        # a byte view, not .data: bfloat16 has no buffer-protocol format
        buf[:host.nbytes] = np.ascontiguousarray(host).reshape(-1).view(np.uint8)

    def _read(self, buf: np.ndarray, byte_offset: int, out: np.ndarray) -> None:
        out.reshape(-1).view(np.uint8)[:] = buf[byte_offset:byte_offset + out.nbytes]

    # -- kernels -------------------------------------------------------------------------------------
    def _compile(self, kern: Kernel) -> _Compiled:
        source = kern.source + entry_point(kern)
        digest = hashlib.sha256(self._key.encode() + source.encode()).hexdigest()[:24]
        path = cache_dir() / f"{kern.name}-{digest}.so"
        if not path.exists():
            _build(self.compile_command(), source, path)
        return _Compiled(ctypes.CDLL(str(path)), kern)

    def prebuild(self, kerns: list[Kernel]) -> int:
        """Compile ``kerns`` in one compiler run (one library, one entry each) into the kernel cache, so a
        test that needs hundreds of kernels pays one compiler start-up, not hundreds. Returns how many were
        new."""
        from nr_core.kernelgen.catalog import translation_unit
        todo = [k for k in dict.fromkeys(kerns) if (k.source, k.name) not in self._kernels]
        if not todo:
            return 0
        unit = translation_unit(self.dialect, todo) + "".join(
            entry_point(k, f"nr_item_{i}", f"nr_k{i}::{k.name}_{i}") for i, k in enumerate(todo))
        path = cache_dir() / f"batch-{hashlib.sha256(self._key.encode() + unit.encode()).hexdigest()[:24]}.so"
        if not path.exists():
            _build(self.compile_command(), unit, path)
        lib = ctypes.CDLL(str(path))
        for i, k in enumerate(todo):
            self._kernels[(k.source, k.name)] = _Compiled(lib, k, f"nr_item_{i}")
        self.stats.compiles += len(todo)
        return len(todo)

    def launch(self, handle: _Compiled, gsize: tuple, lsize: tuple | None, args: list) -> None:
        g = tuple(gsize) + (1,) * (3 - len(gsize))
        loc = tuple(lsize or (1,)) + (1,) * (3 - len(lsize or (1,)))
        kern = handle.kern
        if kern.packed:
            bufs, block = split_arguments(kern, args)
            keep = ctypes.create_string_buffer(block, len(block))
            addrs = [b.ctypes.data for b in bufs] + [ctypes.addressof(keep)]
        else:
            keep = [a if dt is None else np.array(a, dtype=dt) for a, dt in zip(args, kern.arg_dtypes)]
            addrs = [v.ctypes.data for v in keep]
        ptrs = (ctypes.c_void_p * len(addrs))(*addrs)
        rc = self.support.nr_shim_run(handle.item, ptrs, *g, *loc, int(handle.barrier))
        if rc:
            raise RuntimeError(f"metal shim: could not start {loc} threads for {handle.kern.name}")
