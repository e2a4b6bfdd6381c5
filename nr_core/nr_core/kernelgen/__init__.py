"""One kernel generator for C-like GPU languages, shared by the OpenCL, Metal and CUDA backends.

- ``dialect``: the table of what differs between OpenCL C, Metal Shading Language and CUDA C;
- ``exprs``: the one op -> C-expression table of the elementwise ops (a new fast elementwise op on every
  generated backend is one entry there);
- ``elementwise``, ``reduce``, ``matmul``, ``gather``, ``sort``, ``fill``: the generators, each memoised on
  its structural key, returning ``source.Kernel`` (source text, entry name, argument dtypes, parameters);
- ``device``: the host side over any runtime that compiles and launches such kernels (strided buffers, the
  lazy expression graph that fuses elementwise chains, and every kernel of the op table built on them).

Nothing here imports a GPU runtime: a backend brings its own (PyOpenCL, Metal, CuPy).
"""
from .dialect import CUDA, DIALECTS, METAL, OPENCL, Dialect
from .source import Kernel

__all__ = ["CUDA", "DIALECTS", "METAL", "OPENCL", "Dialect", "Kernel"]
