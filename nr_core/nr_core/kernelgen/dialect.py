"""The dialect table: every string in which OpenCL C, Metal Shading Language and CUDA C differ for our kernels.

The generators write one C-like body; a ``Dialect`` spells the kernel prefix, address-space qualifiers,
barrier, work-item indices, scalar-parameter passing, type names, the standard library's gaps (functions a
language lacks get a helper of the same name in its prelude) and which wide types exist.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from . import exprs

_AXES = "xyz"

# NumPy dtype -> C type name shared by the three languages (CUDA gets the short names from its prelude)
_TYPES = {np.dtype(k).str: v for k, v in (
    (np.bool_, "uchar"), (np.int8, "char"), (np.int16, "short"), (np.int32, "int"), (np.int64, "long"),
    (np.uint8, "uchar"), (np.uint16, "ushort"), (np.uint32, "uint"), (np.uint64, "ulong"),
    (np.float32, "float"), (np.float64, "double"),
    # complex values are only moved (copies, gathers, scatter-adds), for which a two-vector is exact
    (np.complex64, "float2"), (np.complex128, "double2"))}
# the 16-bit floats are stored as their bits and computed in float (``Dialect.vtype``, ``load``, ``store``): no
# language's half type (nor cl_khr_fp16) is needed, and bfloat16 has none
_TYPES.update({s: "ushort" for s in exprs.LOW_FLOATS})
_WIDE = frozenset(np.dtype(t).str for t in (np.float64, np.complex128))

# float helpers (``nr_<name>``) for functions Metal's standard library lacks (or has only in recent versions);
# a kernel calling ``<name>(`` gets the helper and the call renamed
_MSL_MISSING = {
    "log1p": ("float nr_log1p(float x) { float u = 1.0f + x; if (u == 1.0f) return x; if (u == INFINITY) return u;"
              " return log(u) * (x / (u - 1.0f)); }"),
    "expm1": ("float nr_expm1(float x) { float u = exp(x); if (u == 1.0f) return x; float m = u - 1.0f;"
              " if (m == -1.0f) return -1.0f; if (isinf(u)) return u; return m * x / log(u); }"),
    "hypot": ("float nr_hypot(float x, float y) { float a = fabs(x), b = fabs(y);"
              " if (isinf(a) || isinf(b)) return INFINITY; if (isnan(a) || isnan(b)) return a + b;"
              " float m = fmax(a, b), n = fmin(a, b); if (m == 0.0f) return 0.0f;"
              " float r = n / m; return m * sqrt(1.0f + r * r); }"),
    "nextafter": ("float nr_nextafter(float x, float y) { if (isnan(x) || isnan(y)) return x + y;"
                  " if (x == y) return y; if (x == 0.0f) return copysign(as_type<float>(1u), y);"
                  " uint u = as_type<uint>(x); u = ((x < y) == (x > 0.0f)) ? u + 1u : u - 1u;"
                  " return as_type<float>(u); }"),
}

_CUDA_PRELUDE = """typedef signed char schar;
typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
__device__ inline float2& operator+=(float2& a, const float2& b) { a.x += b.x; a.y += b.y; return a; }
__device__ inline double2& operator+=(double2& a, const double2& b) { a.x += b.x; a.y += b.y; return a; }
"""


def key(dt) -> str:
    """A dtype's str (the generators' keys); kept as given when it is one already, since ``np.dtype`` turns
    bfloat16's ``'<V2'`` back into a plain void dtype."""
    return dt if isinstance(dt, str) else np.dtype(dt).str


@dataclass(frozen=True)
class Dialect:
    """Spelling of one C-like kernel language (hashable: the generators memoise on it)."""

    name: str
    kernel: str                      # what precedes a kernel's name
    global_ptr: str                  # address space of buffer parameters
    local_mem: str                   # address space of work-group shared arrays
    restrict: str                    # no-alias qualifier of buffer parameters ("" where unsupported)
    barrier: str                     # work-group barrier over shared memory
    ids: tuple                       # (global, local, group) index expressions of axis ``{n}`` (0-2) or ``{a}`` (x-z)
    prelude: str = ""                # emitted at the top of every source
    wide_pragma: str = ""            # emitted when a kernel touches float64 / complex128
    has_wide: bool = True            # float64 and complex128 exist
    builtin_params: str = ""         # trailing kernel parameters that carry the indices (Metal)
    bind_attrs: bool = False         # ``[[buffer(i)]]`` on every parameter (Metal)
    pack_scalars: bool = False       # scalars arrive in one struct after the buffers (Metal), not one by one
    types: dict = field(default_factory=lambda: dict(_TYPES), hash=False, compare=False)
    missing: dict = field(default_factory=dict, hash=False, compare=False)  # name -> nr_<name> definition
    func_prefix: str = ""           # what marks a helper function callable from kernels (CUDA's __device__)
    zeros: dict = field(default_factory=dict, hash=False, compare=False)    # ctype -> zero literal if not (T)0
    as_float: str = "as_float"       # reinterpret a uint's bits as float (the 16-bit helpers work on bits)
    as_uint: str = "as_uint"         # reinterpret a float's bits as uint

    def ctype(self, dt) -> str:
        """The storage type (the 16-bit floats are moved as ``ushort`` bits)."""
        k = key(dt)
        if k in _WIDE and not self.has_wide:
            raise TypeError(f"{self.name}: no {np.dtype(dt)} type in this kernel language")
        return self.types[k]

    def vtype(self, dt) -> str:
        """The type values are computed in (float for the 16-bit floats)."""
        return "float" if key(dt) in exprs.LOW_FLOATS else self.ctype(dt)

    def load(self, dt, ptr: str, idx: str) -> str:
        fmt = exprs.LOW_FLOATS.get(key(dt))
        return f"nr_{fmt}_load({ptr}[{idx}])" if fmt else f"{ptr}[{idx}]"

    def store(self, dt, ptr: str, idx: str, value: str) -> str:
        fmt = exprs.LOW_FLOATS.get(key(dt))
        return f"{ptr}[{idx}] = nr_{fmt}_store({value})" if fmt else f"{ptr}[{idx}] = {value}"

    def low_helpers(self) -> str:
        """The 16-bit loads, stores and roundings, with this language's bit reinterpretations."""
        return exprs.LOW_HELPERS.replace("AS_FLOAT(", self.as_float + "(").replace("AS_UINT(", self.as_uint + "(")

    def functions(self, helpers: str) -> str:
        """``helpers`` (definitions of ``nr_*`` functions, one per line start) marked callable from kernels."""
        if not self.func_prefix:
            return helpers
        return re.sub(r"^(?=[A-Za-z_][\w ]*\bnr_\w+\()", self.func_prefix, helpers, flags=re.M)

    def zero(self, ctype: str) -> str:
        return self.zeros.get(ctype, f"({ctype})0")

    def gid(self, axis: int = 0) -> str:
        return self.ids[0].format(a=_AXES[axis], n=axis)

    def lid(self, axis: int = 0) -> str:
        return self.ids[1].format(a=_AXES[axis], n=axis)

    def group(self, axis: int = 0) -> str:
        return self.ids[2].format(a=_AXES[axis], n=axis)

    def signature(self, name: str, params: list) -> tuple[str, str, str]:
        """(declarations, signature, prologue) of a kernel taking ``params``: (kind, ctype, name) with kind
        ``out`` (buffer), ``in`` (read-only buffer) or ``arg`` (scalar).

        With ``pack_scalars`` the scalars travel in one struct after the buffers (Metal binds at most 31
        buffers, and each ``constant T&`` scalar would take one), unpacked into locals by the prologue."""
        parts, scalars = [], []
        for kind, ct, nm in params:
            attr = f" [[buffer({len(parts)})]]" if self.bind_attrs else ""
            if kind == "arg":
                if self.pack_scalars:
                    scalars.append((ct, nm))
                else:
                    parts.append(f"const {ct} {nm}")
            else:
                const = "const " if kind == "in" else ""
                words = (self.global_ptr, f"{const}{ct}*", self.restrict, f"{nm}{attr}")
                parts.append(" ".join(w for w in words if w))
        decl = prologue = ""
        if scalars:
            struct = f"nr_args_{name}"
            decl = f"struct {struct} {{ {' '.join(f'{ct} {nm};' for ct, nm in scalars)} }};\n"
            parts.append(f"constant {struct}& nr_a [[buffer({len(parts)})]]")
            prologue = "".join(f"    const {ct} {nm} = nr_a.{nm};\n" for ct, nm in scalars)
        if self.builtin_params:
            parts.append(self.builtin_params)
        return decl, f"{self.kernel} {name}({', '.join(parts)})", prologue

    def finish(self, dtypes, code: str) -> str:
        """The whole source: prelude, the fp64 pragma if needed, helpers standing in for missing functions
        (their calls renamed), then ``code``."""
        out = [self.prelude]
        if self.wide_pragma and any(np.dtype(d).str in _WIDE for d in dtypes):
            out.append(self.wide_pragma + "\n")
        for fn, helper in self.missing.items():
            code, n = re.subn(rf"\b{fn}\(", f"nr_{fn}(", code)
            if n:
                out.append(self.functions(helper) + "\n")
        return "".join(out) + code


OPENCL = Dialect(
    name="opencl",
    kernel="__kernel void",
    global_ptr="__global",
    local_mem="__local",
    restrict="restrict",
    barrier="barrier(CLK_LOCAL_MEM_FENCE);",
    ids=("(long)get_global_id({n})", "(long)get_local_id({n})", "(long)get_group_id({n})"),
    wide_pragma="#pragma OPENCL EXTENSION cl_khr_fp64 : enable",
)

METAL = Dialect(
    name="metal",
    kernel="kernel void",
    global_ptr="device",
    local_mem="threadgroup",
    restrict="",
    barrier="threadgroup_barrier(mem_flags::mem_threadgroup);",
    ids=("(long)nr_gid.{a}", "(long)nr_lid.{a}", "(long)nr_grp.{a}"),
    prelude="#include <metal_stdlib>\nusing namespace metal;\n",
    has_wide=False,
    builtin_params=("uint3 nr_gid [[thread_position_in_grid]], uint3 nr_lid [[thread_position_in_threadgroup]], "
                    "uint3 nr_grp [[threadgroup_position_in_grid]]"),
    bind_attrs=True,
    pack_scalars=True,
    missing=_MSL_MISSING,
    as_float="as_type<float>",
    as_uint="as_type<uint>",
)

CUDA = Dialect(
    name="cuda",
    kernel='extern "C" __global__ void',
    global_ptr="",
    local_mem="__shared__",
    restrict="__restrict__",
    barrier="__syncthreads();",
    ids=("((long)blockIdx.{a} * blockDim.{a} + threadIdx.{a})", "(long)threadIdx.{a}", "(long)blockIdx.{a}"),
    prelude=_CUDA_PRELUDE,
    types={**_TYPES, np.dtype(np.int8).str: "schar"},  # plain char's signedness is the platform's
    func_prefix="__device__ ",
    zeros={"float2": "make_float2(0, 0)", "double2": "make_double2(0, 0)"},
    as_float="__uint_as_float",
    as_uint="__float_as_uint",
)

DIALECTS = {d.name: d for d in (OPENCL, METAL, CUDA)}
