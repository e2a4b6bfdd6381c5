"""The kernel generator: every kernel of the backend as C source from templates, through a small dialect table.

A ``Dialect`` holds what differs between C-like GPU languages (qualifiers, thread ids, barriers, type
names, how a kernel signature is spelt); the generators only use it, so an MSL dialect can reuse them.
Generators are memoised on their structural key, so a source string is built once per shape of kernel.
Indices are ``long`` throughout: arrays past 2**31 elements work, and after axis coalescing most kernels
index one flat axis, so no division is spent on them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import exprs

IDX = np.dtype(np.int64)


def key(dt) -> str:
    """A dtype's str (the generators' cache keys); kept as given when it is one already, since ``np.dtype`` turns
    bfloat16's ``'<V2'`` back into a plain void dtype."""
    return dt if isinstance(dt, str) else np.dtype(dt).str


@dataclass(frozen=True)
class Dialect:
    """Spelling of one C-like kernel language."""

    name: str
    kernel: str
    global_ptr: str
    local_mem: str
    barrier: str
    thread_ids: dict
    types: dict = field(hash=False)
    fp64_pragma: str = ""

    def ctype(self, dt) -> str:
        """The storage type (the 16-bit floats are moved as ``ushort`` bits)."""
        return self.types[key(dt)]

    def vtype(self, dt) -> str:
        """The type values are computed in (float for the 16-bit floats)."""
        s = key(dt)
        return "float" if s in exprs.LOW_FLOATS else self.types[s]

    def load(self, dt, ptr: str, idx: str) -> str:
        fmt = exprs.LOW_FLOATS.get(key(dt))
        return f"nr_{fmt}_load({ptr}[{idx}])" if fmt else f"{ptr}[{idx}]"

    def store(self, dt, ptr: str, idx: str, value: str) -> str:
        fmt = exprs.LOW_FLOATS.get(key(dt))
        return f"{ptr}[{idx}] = nr_{fmt}_store({value})" if fmt else f"{ptr}[{idx}] = {value}"

    def gid(self, axis: int = 0) -> str:
        return self.thread_ids["global"].format(axis)

    def lid(self, axis: int = 0) -> str:
        return self.thread_ids["local"].format(axis)

    def group(self, axis: int = 0) -> str:
        return self.thread_ids["group"].format(axis)

    def signature(self, name: str, params: list) -> str:
        """``params``: (kind, ctype, name) with kind ``out`` (global pointer), ``in`` (const global) or ``arg``."""
        parts = []
        for kind, ct, nm in params:
            if kind == "out":
                parts.append(f"{self.global_ptr} {ct}* restrict {nm}")
            elif kind == "in":
                parts.append(f"{self.global_ptr} const {ct}* restrict {nm}")
            else:
                parts.append(f"const {ct} {nm}")
        return f"{self.kernel} {name}({', '.join(parts)})"

    def prelude(self, dtypes) -> str:
        wide = (np.dtype(np.float64), np.dtype(np.complex128))
        return self.fp64_pragma + "\n" if any(np.dtype(d) in wide for d in dtypes) else ""


_NP_TYPES = {np.dtype(k).str: v for k, v in (
    (np.bool_, "uchar"), (np.int8, "char"), (np.int16, "short"), (np.int32, "int"), (np.int64, "long"),
    (np.uint8, "uchar"), (np.uint16, "ushort"), (np.uint32, "uint"), (np.uint64, "ulong"),
    (np.float16, "ushort"), (np.float32, "float"), (np.float64, "double"),
    # complex values are only moved (copies, gathers, scatter-adds), for which a two-vector is exact
    (np.complex64, "float2"), (np.complex128, "double2"))}
_NP_TYPES.update({s: "ushort" for s in exprs.LOW_FLOATS})  # bfloat16's bits, moved like float16's

OPENCL = Dialect(
    name="opencl",
    kernel="__kernel void",
    global_ptr="__global",
    local_mem="__local",
    barrier="barrier(CLK_LOCAL_MEM_FENCE);",
    thread_ids={"global": "get_global_id({})", "local": "get_local_id({})", "group": "get_group_id({})"},
    types=_NP_TYPES,
    fp64_pragma="#pragma OPENCL EXTENSION cl_khr_fp64 : enable",
)


@dataclass
class Kernel:
    """A generated kernel: its source, entry name and the dtypes of its arguments (None for pointers)."""

    source: str
    name: str
    arg_dtypes: list


class _Params:
    """Collects a kernel's parameters and their dtypes for ``set_scalar_arg_dtypes``."""

    def __init__(self, d: Dialect) -> None:
        self.d, self.params, self.dtypes = d, [], []

    def ptr(self, kind: str, dt, name: str) -> None:
        self.params.append((kind, self.d.ctype(dt), name))
        self.dtypes.append(None)

    def arg(self, dt, *names: str) -> None:
        # 16-bit scalars arrive as float (rounded to their dtype on the host)
        dt = np.dtype(np.float32) if key(dt) in exprs.LOW_FLOATS else np.dtype(dt)
        for nm in names:
            self.params.append(("arg", self.d.ctype(dt), nm))
            self.dtypes.append(np.dtype(np.uint8) if dt.kind == "b" else dt)

    def strided(self, prefix: str, nd: int) -> None:
        """An operand's offset and ``nd`` strides, as ``long`` args."""
        self.arg(IDX, f"{prefix}_off", *(f"{prefix}_s{i}" for i in range(nd)))

    def dims(self, prefix: str, nd: int) -> None:
        self.arg(IDX, *(f"{prefix}{i}" for i in range(nd)))


def coords(var: str, dims: str, nd: int, out: str = "k") -> str:
    """C lines splitting linear index ``var`` into coordinates ``out0..`` over extents ``dims0..``."""
    if nd == 0:
        return ""
    if nd == 1:
        return f"    long {out}0 = {var};\n"
    lines = [f"    long {out}_r = {var};"]
    for i in range(nd - 1, 0, -1):
        lines.append(f"    long {out}{i} = {out}_r % {dims}{i}; {out}_r /= {dims}{i};")
    lines.append(f"    long {out}0 = {out}_r;")
    return "\n".join(lines) + "\n"


def offset(prefix: str, nd: int, k: str = "k") -> str:
    """C expression of an operand's element offset at coordinates ``k0..``."""
    return " + ".join([f"{prefix}_off"] + [f"{k}{i} * {prefix}_s{i}" for i in range(nd)])


def _kernel(d: Dialect, p: _Params, name: str, body: str, dtypes=(), helpers: str = "") -> Kernel:
    src = d.prelude(dtypes) + helpers + "\n" + d.signature(name, p.params) + "\n{\n" + body + "}\n"
    return Kernel(src, name, p.dtypes)


# ---- elementwise (fused expressions) ---------------------------------------------------------------
@lru_cache(maxsize=4096)
def elementwise(ins: tuple, consts: tuple, code: tuple, out: tuple, nd: int, d: Dialect = OPENCL) -> Kernel:
    """One kernel evaluating a fused expression.

    ``ins``: (dtype str, flat-contiguous) per pointer operand; ``consts``: dtype str per scalar operand;
    ``code``: (op, operand dtype str, result dtype str, refs) per instruction, refs naming ``i<n>``,
    ``c<n>`` or ``t<n>`` (an earlier instruction); the last instruction is stored to ``out``
    ((dtype str, flat-contiguous)). All operands are indexed over one ``nd``-axis iteration space.
    """
    p = _Params(d)
    p.ptr("out", out[0], "out")
    p.strided("o", nd)
    for i, (dt, _) in enumerate(ins):
        p.ptr("in", dt, f"in{i}")
        p.strided(f"x{i}", nd)
    for i, dt in enumerate(consts):
        p.arg(dt, f"c{i}")
    p.arg(IDX, "n")
    p.dims("d", nd)

    def at(prefix, contig):
        return f"{prefix}_off + g" if contig and nd == 1 else offset(prefix, nd)

    helpers, body = {}, [f"    long g = {d.gid(0)};\n    if (g >= n) return;\n", coords("g", "d", nd)]
    for i, (dt, contig) in enumerate(ins):
        body.append(f"    {d.vtype(dt)} i{i} = {d.load(dt, f'in{i}', at(f'x{i}', contig))};\n")
    for t, (op, odt, rdt, refs) in enumerate(code):
        T, R = d.vtype(odt), d.vtype(rdt)
        if op == "astype":
            src = f"({R})({refs[0]} != 0)" if np.dtype(rdt) == np.bool_ else f"({R})({refs[0]})"
        else:
            tpl = exprs.template(op, len(refs), np.dtype(np.float32) if odt in exprs.LOW_FLOATS else np.dtype(odt))
            src = tpl.format(T=T, **dict(zip("abc", refs)))
            for h, htpl in exprs.HELPERS.items():
                if h + "_" in src:
                    helpers[(h, T)] = htpl.format(T=T)
        low = exprs.LOW_FLOATS.get(rdt)
        if low:  # every 16-bit result is rounded, so a fused expression equals its ops run one by one
            src = f"nr_{low}_round((float)({src}))"
        body.append(f"    {R} t{t} = ({R})({src});\n")
    body.append(f"    {d.store(out[0], 'out', at('o', out[1]), f't{len(code) - 1}')};\n")
    dts = [dt for dt, _ in ins] + list(consts) + [out[0]] + [c[1] for c in code]
    if any(key(x) in exprs.LOW_FLOATS for x in dts):
        helpers["low"] = exprs.LOW_HELPERS
    return _kernel(d, p, "nr_ew", "".join(body), dts, "".join(helpers.values()))


# ---- reductions ---------------------------------------------------------------------------------------
_COMBINE = {
    "sum": "{a} + {b}",
    "prod": "{a} * {b}",
    "max": "(({a} > {b} || NR_ISNAN({a})) ? {a} : {b})",
    "min": "(({a} < {b} || NR_ISNAN({a})) ? {a} : {b})",
    "all": "({a} && {b})",
    "any": "({a} || {b})",
}
_ARG_BETTER = {  # does candidate (v, i) beat the current best (bv, bi)? NaN wins, then value, then lower index
    "argmax": "(NR_ISNAN({v}) ? (!NR_ISNAN({bv}) || {i} < {bi}) : (!NR_ISNAN({bv}) && ({v} > {bv} || "
              "({v} == {bv} && {i} < {bi}))))",
    "argmin": "(NR_ISNAN({v}) ? (!NR_ISNAN({bv}) || {i} < {bi}) : (!NR_ISNAN({bv}) && ({v} < {bv} || "
              "({v} == {bv} && {i} < {bi}))))",
}


def identity(op: str, dt) -> str:
    """C literal of the identity of a reduction in dtype ``dt`` (padding for inactive lanes)."""
    dt = np.dtype(dt)
    if op in ("sum", "any"):
        return "0"
    if op in ("prod", "all"):
        return "1"
    if dt.kind == "f":
        return "-INFINITY" if op in ("max", "argmax") else "INFINITY"
    if dt.kind == "b":
        return "0" if op in ("max", "argmax") else "1"
    info = np.iinfo(dt)
    v = info.min if op in ("max", "argmax") else info.max
    return f"({v}{'UL' if dt.kind == 'u' else 'L'})" if v != np.iinfo(np.int64).min else "(-9223372036854775807L - 1)"


def _isnan_macro(dt) -> str:
    return "#define NR_ISNAN(x) isnan(x)\n" if np.dtype(dt).kind == "f" else "#define NR_ISNAN(x) 0\n"


@lru_cache(maxsize=512)
def reduction(op: str, in_dt: str, acc_dt: str, out_dt: str, nk: int, nr: int, local: int,
              d: Dialect = OPENCL) -> Kernel:
    """Reduce ``nr`` strided axes for each of the outputs over ``nk`` kept axes.

    ``local`` 0: one work-item per output, looping over the reduced elements. Otherwise one work-group of
    ``local`` items per (output, chunk) pair: each item strides over the chunk, then a tree in local memory.
    Output ``o`` of chunk ``c`` goes to ``out[o * G + c]`` (G chunks; a second pass reduces partials).
    """
    arg = op in _ARG_BETTER
    A, I = d.ctype(acc_dt), d.ctype(in_dt)
    p = _Params(d)
    p.ptr("out", out_dt, "out")
    p.ptr("in", in_dt, "x")
    p.arg(IDX, "x_off")
    p.dims("kd", nk)
    p.dims("ks", nk)
    p.dims("rd", nr)
    p.dims("rs", nr)
    p.arg(IDX, "M", "K", "G", "chunk")
    kept = " + ".join(["x_off"] + [f"k{i} * ks{i}" for i in range(nk)])
    red = " + ".join(["0"] + [f"j{i} * rs{i}" for i in range(nr)])
    load = f"({A})x[base + {red}]" if np.dtype(acc_dt) != np.bool_ else f"(x[base + {red}] != 0)"
    ident = identity(op, acc_dt)
    if arg:
        better = _ARG_BETTER[op]
        step = (f"        {A} v = {load};\n"
                f"        if ({better.format(v='v', i='r', bv='acc', bi='acci')}) {{ acc = v; acci = r; }}\n")
        init = f"    {A} acc = {ident}; long acci = 9223372036854775807L;\n"
    else:
        comb = _COMBINE[op]
        step = f"        {A} v = {load};\n        acc = {comb.format(a='acc', b='v')};\n"
        init = f"    {A} acc = {ident};\n"
    loop_head = "    for (long r = start + {first}; r < stop; r += {stride}) {{\n" + coords("r", "rd", nr, "j")
    if not local:
        body = (f"    long o = {d.gid(0)};\n    if (o >= M) return;\n" + coords("o", "kd", nk)
                + f"    long base = {kept};\n    long start = 0, stop = K;\n" + init
                + loop_head.format(first="0", stride="1") + step + "    }\n"
                + f"    out[o] = {'acci' if arg else f'({d.ctype(out_dt)})acc'};\n")
        return _kernel(d, p, "nr_reduce", body, (in_dt, acc_dt, out_dt), _isnan_macro(acc_dt))
    shared = f"    {d.local_mem} {A} sh[{local}];\n" + (f"    {d.local_mem} long shi[{local}];\n" if arg else "")
    body = (shared + f"    long grp = {d.group(0)}, lid = {d.lid(0)};\n"
            + "    long o = grp / G, c = grp % G;\n" + coords("o", "kd", nk)
            + f"    long base = {kept};\n    long start = c * chunk, stop = min(K, start + chunk);\n" + init
            + loop_head.format(first="lid", stride=str(local)) + step + "    }\n"
            + ("    sh[lid] = acc; shi[lid] = acci;\n" if arg else "    sh[lid] = acc;\n") + f"    {d.barrier}\n"
            + f"    for (long s = {local // 2}; s > 0; s >>= 1) {{\n        if (lid < s) {{\n")
    if arg:
        body += (f"            {A} v = sh[lid + s]; long r = shi[lid + s]; {A} bv = sh[lid]; long bi = shi[lid];\n"
                 f"            if ({_ARG_BETTER[op].format(v='v', i='r', bv='bv', bi='bi')}) "
                 "{ sh[lid] = v; shi[lid] = r; }\n")
    else:
        body += f"            sh[lid] = {_COMBINE[op].format(a='sh[lid]', b='sh[lid + s]')};\n"
    body += (f"        }}\n        {d.barrier}\n    }}\n"
             f"    if (lid == 0) out[grp] = {'shi[0]' if arg else f'({d.ctype(out_dt)})sh[0]'};\n")
    return _kernel(d, p, "nr_reduce", body, (in_dt, acc_dt, out_dt), _isnan_macro(acc_dt))


# ---- cumulative sums -------------------------------------------------------------------------------
@lru_cache(maxsize=128)
def scan(in_dt: str, acc_dt: str, nk: int, include_initial: bool, d: Dialect = OPENCL) -> Kernel:
    """Running sums along one strided axis; row ``o`` of the output is contiguous, ``N + initial`` long."""
    A = d.ctype(acc_dt)
    p = _Params(d)
    p.ptr("out", acc_dt, "out")
    p.ptr("in", in_dt, "x")
    p.arg(IDX, "x_off")
    p.dims("kd", nk)
    p.dims("ks", nk)
    p.arg(IDX, "ax_s", "M", "N")
    inc = int(include_initial)
    body = (f"    long o = {d.gid(0)};\n    if (o >= M) return;\n" + coords("o", "kd", nk)
            + " ".join([f"    long base = x_off"] + [f"+ k{i} * ks{i}" for i in range(nk)]) + ";\n"
            + f"    {d.global_ptr} {A}* row = out + o * (N + {inc});\n"
            + (f"    row[0] = ({A})0;\n" if inc else "")
            + f"    {A} acc = ({A})0;\n"
            + f"    for (long j = 0; j < N; ++j) {{ acc += ({A})x[base + j * ax_s]; row[j + {inc}] = acc; }}\n")
    return _kernel(d, p, "nr_scan", body, (in_dt, acc_dt))


# ---- matmul -------------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def matmul(dt: str, nb: int, tile: int, work: int, d: Dialect = OPENCL) -> Kernel:
    """Batched C = A @ B with local-memory tiles: a work-group computes a tile x tile block of C, each item
    ``work`` rows of it (a column of registers), so every value loaded into local memory is reused.

    A and B are read through strides (transposed views need no copy); batch axes through ``nb`` strided
    batch dims, broadcast by zero strides. C is contiguous (batch, M, N).
    """
    T = d.ctype(dt)
    rows = tile // work
    p = _Params(d)
    p.ptr("out", dt, "C")
    p.ptr("in", dt, "A")
    p.ptr("in", dt, "B")
    p.arg(IDX, "M", "N", "K", "a_off", "a_r", "a_c", "b_off", "b_r", "b_c")
    p.dims("bd", nb)
    p.dims("bsa", nb)
    p.dims("bsb", nb)
    body = (f"    {d.local_mem} {T} As[{tile}][{tile}];\n    {d.local_mem} {T} Bs[{tile}][{tile}];\n"
            f"    long lc = {d.lid(0)}, lr = {d.lid(1)};\n"
            f"    long col = {d.group(0)} * {tile} + lc, row0 = {d.group(1)} * {tile} + lr;\n"
            f"    long z = {d.group(2)};\n" + coords("z", "bd", nb)
            + " ".join(["    long ab = a_off"] + [f"+ k{i} * bsa{i}" for i in range(nb)]) + ";\n"
            + " ".join(["    long bb = b_off"] + [f"+ k{i} * bsb{i}" for i in range(nb)]) + ";\n"
            + f"    {T} acc[{work}];\n    for (int w = 0; w < {work}; ++w) acc[w] = 0;\n"
            + f"    for (long t = 0; t < K; t += {tile}) {{\n"
            + f"        for (int w = 0; w < {work}; ++w) {{\n"
            + f"            long r = lr + w * {rows}, ar = row0 + w * {rows} , ak = t + lc, bk = t + r;\n"
            + f"            As[r][lc] = (ar < M && ak < K) ? A[ab + ar * a_r + ak * a_c] : ({T})0;\n"
            + f"            Bs[r][lc] = (bk < K && col < N) ? B[bb + bk * b_r + col * b_c] : ({T})0;\n"
            + f"        }}\n        {d.barrier}\n"
            + f"        for (int q = 0; q < {tile}; ++q) {{\n            {T} bv = Bs[q][lc];\n"
            + f"            for (int w = 0; w < {work}; ++w) acc[w] += As[lr + w * {rows}][q] * bv;\n        }}\n"
            + f"        {d.barrier}\n    }}\n"
            + f"    for (int w = 0; w < {work}; ++w) {{\n        long r = row0 + w * {rows};\n"
            + "        if (r < M && col < N) C[(z * M + r) * N + col] = acc[w];\n    }\n")
    return _kernel(d, p, "nr_matmul", body, (dt,))


# ---- gather, scatter, take -----------------------------------------------------------------------------
@lru_cache(maxsize=64)
def gather(dt: str, d: Dialect = OPENCL) -> Kernel:
    """out[i] = x[offs[i]] for precomputed element offsets (advanced indexing)."""
    p = _Params(d)
    p.ptr("out", dt, "out")
    p.ptr("in", dt, "x")
    p.ptr("in", IDX, "offs")
    p.arg(IDX, "n")
    body = f"    long i = {d.gid(0)};\n    if (i < n) out[i] = x[offs[i]];\n"
    return _kernel(d, p, "nr_gather", body, (dt,))


@lru_cache(maxsize=64)
def take(dt: str, ind_dt: str, d: Dialect = OPENCL) -> Kernel:
    """out[p, j, q] = x[p, ind[j], q] with x contiguous (P, A, Q); negative indices wrap; bad ones flag ``err``."""
    p = _Params(d)
    p.ptr("out", dt, "out")
    p.ptr("in", dt, "x")
    p.ptr("in", ind_dt, "ind")
    p.ptr("out", np.int32, "err")
    p.arg(IDX, "x_off", "ind_off", "J", "Q", "A", "n")
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n"
            "    long q = i % Q, pj = i / Q, j = pj % J, pp = pj / J;\n"
            "    long a = (long)ind[ind_off + j];\n    if (a < 0) a += A;\n"
            "    if (a < 0 || a >= A) { err[0] = 1; a = 0; }\n"
            "    out[i] = x[x_off + (pp * A + a) * Q + q];\n")
    return _kernel(d, p, "nr_take", body, (dt,))


@lru_cache(maxsize=64)
def scatter(dt: str, add: bool, d: Dialect = OPENCL) -> Kernel:
    """Write (or accumulate) values at element offsets; duplicates are grouped into segments beforehand, so
    each target is touched by one work-item (deterministic, no atomics): ``set`` keeps the last value."""
    T = d.ctype(dt)
    p = _Params(d)
    p.ptr("out", dt, "x")
    p.ptr("in", dt, "v")
    p.ptr("in", IDX, "perm")
    p.ptr("in", IDX, "uniq")
    p.ptr("in", IDX, "starts")
    p.arg(IDX, "U")
    body = f"    long u = {d.gid(0)};\n    if (u >= U) return;\n"
    if add:
        body += (f"    {T} acc = x[uniq[u]];\n"
                 "    for (long j = starts[u]; j < starts[u + 1]; ++j) acc += v[perm[j]];\n"
                 "    x[uniq[u]] = acc;\n")
    else:
        body += "    x[uniq[u]] = v[perm[starts[u + 1] - 1]];\n"
    return _kernel(d, p, "nr_scatter", body, (dt,))


# ---- sort (bitonic, stable through the index tie-break) --------------------------------------------------
def _sort_less(d: Dialect, dt, descending: bool) -> str:
    """``nr_before(va, ia, vb, ib, N)``: does (va, ia) come first? Padding (index >= N) goes last, NaN goes
    last ascending and first descending, equal values keep their original order."""
    nan = "isnan" if np.dtype(dt).kind == "f" else "0 &&"
    T = d.ctype(dt)
    cmp = "va > vb" if descending else "va < vb"
    if descending:
        nan_rule = (f"    if ({nan}(va)) return !({nan}(vb)) || ia < ib;\n"
                    f"    if ({nan}(vb)) return 0;\n")
    else:
        nan_rule = (f"    if ({nan}(va)) return ({nan}(vb)) && ia < ib;\n"
                    f"    if ({nan}(vb)) return 1;\n")
    return (f"int nr_before({T} va, long ia, {T} vb, long ib, long N) {{\n"
            "    if (ia >= N || ib >= N) return ia < ib;\n" + nan_rule
            + f"    if (va != vb) return {cmp};\n    return ia < ib;\n}}\n")


@lru_cache(maxsize=64)
def sort(dt: str, descending: bool, d: Dialect = OPENCL) -> tuple[Kernel, Kernel]:
    """(init, step): ``init`` loads rows into padded key/index arrays; ``step`` is one bitonic stage (k, j)."""
    T = d.ctype(dt)
    p = _Params(d)
    p.ptr("out", dt, "keys")
    p.ptr("out", IDX, "idx")
    p.ptr("in", dt, "x")
    p.arg(IDX, "x_off", "N", "P", "n")
    init = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n    long r = i / P, c = i % P;\n"
            f"    keys[i] = c < N ? x[x_off + r * N + c] : ({T})0;\n    idx[i] = c;\n")
    k_init = _kernel(d, p, "nr_sort_init", init, (dt,))
    p = _Params(d)
    p.ptr("out", dt, "keys")
    p.ptr("out", IDX, "idx")
    p.arg(IDX, "N", "P", "k", "j", "n")
    step = (f"    long g = {d.gid(0)};\n    if (g >= n) return;\n"
            "    long hp = P / 2, r = g / hp, t = g % hp;\n"
            "    long lo = ((t & ~(j - 1)) << 1) | (t & (j - 1)), hi = lo | j;\n"
            "    long a = r * P + lo, b = r * P + hi;\n"
            f"    {T} va = keys[a], vb = keys[b]; long ia = idx[a], ib = idx[b];\n"
            "    int up = (lo & k) == 0;\n"
            "    int swap = up ? nr_before(vb, ib, va, ia, N) : nr_before(va, ia, vb, ib, N);\n"
            "    if (swap) { keys[a] = vb; keys[b] = va; idx[a] = ib; idx[b] = ia; }\n")
    k_step = _kernel(d, p, "nr_sort_step", step, (dt,), _sort_less(d, dt, descending))
    return k_init, k_step


@lru_cache(maxsize=64)
def sort_out(dt: str, values: bool, d: Dialect = OPENCL) -> Kernel:
    """Copy the first N of each padded row out: the keys (sort) or the indices (argsort)."""
    src_dt = dt if values else IDX
    p = _Params(d)
    p.ptr("out", src_dt, "out")
    p.ptr("in", src_dt, "src")
    p.arg(IDX, "N", "P", "n")
    body = f"    long i = {d.gid(0)};\n    if (i < n) out[i] = src[(i / N) * P + i % N];\n"
    return _kernel(d, p, "nr_sort_out", body, (src_dt,))


@lru_cache(maxsize=64)
def searchsorted(dt: str, right: bool, d: Dialect = OPENCL) -> Kernel:
    """Binary search of each value in a sorted 1-D array (NaN sorts last, as in NumPy)."""
    T = d.ctype(dt)
    nan = "isnan" if np.dtype(dt).kind == "f" else "0 &&"
    # left: first i with !(a[i] < v); right: first i with v < a[i]
    less = (f"(({nan}(a)) ? 0 : (({nan}(v)) ? 1 : a < v))" if not right
            else f"(({nan}(v)) ? 1 : (({nan}(a)) ? 0 : !(v < a)))")
    p = _Params(d)
    p.ptr("out", IDX, "out")
    p.ptr("in", dt, "s")
    p.ptr("in", dt, "q")
    p.arg(IDX, "s_off", "q_off", "L", "n")
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n    {T} v = q[q_off + i];\n"
            "    long lo = 0, hi = L;\n"
            f"    while (lo < hi) {{ long mid = (lo + hi) / 2; {T} a = s[s_off + mid];\n"
            f"        if ({less}) lo = mid + 1; else hi = mid; }}\n    out[i] = lo;\n")
    return _kernel(d, p, "nr_searchsorted", body, (dt,))


# ---- creation and triangles ------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def ramp(dt: str, compute: str, d: Dialect = OPENCL) -> Kernel:
    """out[i] = start + i * step computed in ``compute``; the last element replaced by ``last`` when asked
    (arange and linspace)."""
    C = d.ctype(compute)
    p = _Params(d)
    p.ptr("out", dt, "out")
    p.arg(compute, "start", "step", "last")
    p.arg(IDX, "set_last", "n")
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n"
            f"    {C} v = (set_last && i == n - 1) ? last : start + ({C})i * step;\n"
            f"    out[i] = ({d.ctype(dt)})v;\n")
    return _kernel(d, p, "nr_ramp", body, (dt, compute))


@lru_cache(maxsize=64)
def tri(dt: str, mode: str, d: Dialect = OPENCL) -> Kernel:
    """eye / tril / triu on contiguous (batch, R, C) data: keep x where ``col - row`` passes the test."""
    T = d.ctype(dt)
    test = {"eye": "col - row == k", "tril": "col - row <= k", "triu": "col - row >= k"}[mode]
    p = _Params(d)
    p.ptr("out", dt, "out")
    if mode != "eye":
        p.ptr("in", dt, "x")
        p.arg(IDX, "x_off")
    p.arg(IDX, "R", "C", "k", "n")
    val = "(" + T + ")1" if mode == "eye" else "x[x_off + i]"
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n    long col = i % C, row = (i / C) % R;\n"
            f"    out[i] = ({test}) ? {val} : ({T})0;\n")
    return _kernel(d, p, "nr_tri", body, (dt,))
