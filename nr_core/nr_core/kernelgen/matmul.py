"""Matrix products. Two forms of C = A @ B, both batched and reading A and B through strides:

- ``tiled``: local-memory tiles shared by a work-group (GPUs, where work-items of a group run together);
- ``naive``: one work-item per element of C (CPU devices, for small products and non-float dtypes, where
  the blocked form's compile time and extra launches cost more than it saves);
- ``pack`` + ``blocked``: operands copied into panels laid out in the order the product reads them, then
  one work-item per ``rows x cols`` block of C held in registers, no barrier (CPU devices such as PoCL, whose
  compiler vectorises the unrolled block; measured 3-5x the tiled form there).
"""
from __future__ import annotations

from functools import lru_cache

from .dialect import Dialect
from .source import IDX, Kernel, Params, build, coords

@lru_cache(maxsize=64)
def tiled(d: Dialect, dt: str, nb: int, tile: int, work: int) -> Kernel:
    """Batched C = A @ B with local-memory tiles (the GPU form): a work-group computes a tile x tile block of
    C, each item ``work`` rows of it (a column of registers), so every value loaded into local memory is
    reused.

    A and B are read through strides (transposed views need no copy); batch axes through ``nb`` strided
    batch dims, broadcast by zero strides. C is contiguous (batch, M, N).
    """
    T = d.ctype(dt)
    rows = tile // work
    p = Params(d)
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
    return build(d, p, "nr_matmul", body, (dt,))


def _batch_base(name: str, off: str, strides: str, nb: int) -> str:
    return " ".join([f"    long {name} = {off}"] + [f"+ k{i} * {strides}{i}" for i in range(nb)]) + ";\n"


@lru_cache(maxsize=64)
def pack(d: Dialect, dt: str, width: int, nb: int) -> Kernel:
    """Panels of ``width`` lines: ``P[z][blk][k][r] = X[z, blk * width + r, k]`` (zero past ``L`` lines).

    A's panels are runs of rows (line stride ``s_line`` = A's row stride, ``s_k`` its column stride); B's are
    runs of columns (line stride = B's column stride, ``s_k`` its row stride). ``z`` walks the batch.
    """
    T = d.ctype(dt)
    p = Params(d)
    p.ptr("out", dt, "P")
    p.ptr("in", dt, "X")
    p.arg(IDX, "x_off", "s_line", "s_k", "L", "K", "NBLK", "n")
    p.dims("bd", nb)
    p.dims("bs", nb)
    # one work-item per (z, blk, k): ``width`` values, unrolled (a division per value made packing the cost)
    copy = "".join(f"        P[i * {width} + {r}] = X[src + {r} * s_line];\n" for r in range(width))
    guarded = "".join(f"        P[i * {width} + {r}] = line + {r} < L ? X[src + {r} * s_line] : ({T})0;\n"
                      for r in range(width))
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n"
            "    long k = i % K, t = i / K;\n    long blk = t % NBLK, z = t / NBLK;\n"
            + coords("z", "bd", nb) + _batch_base("base", "x_off", "bs", nb)
            + f"    long line = blk * {width};\n    long src = base + line * s_line + k * s_k;\n"
            + f"    if (line + {width} <= L) {{\n{copy}    }} else {{\n{guarded}    }}\n")
    return build(d, p, "nr_pack", body, (dt,))


@lru_cache(maxsize=64)
def blocked(d: Dialect, dt: str, rows: int, cols: int) -> Kernel:
    """C[z] = A[z] @ B[z] over packed panels: work-item (m-block, n-block, z) keeps a ``rows x cols`` block of
    C in scalar registers and walks K once, reading both panels contiguously.

    C is padded to whole blocks, (Z, MB * rows, NB * cols), so every store is unconditional: a second,
    guarded store path kept LLVM from vectorising the float64 block (4x slower on PoCL)."""
    T = d.ctype(dt)
    p = Params(d)
    p.ptr("out", dt, "C")
    p.ptr("in", dt, "PA")
    p.ptr("in", dt, "PB")
    p.arg(IDX, "K", "MB", "NB")
    cells = [(i, j) for i in range(rows) for j in range(cols)]
    body = [f"    long mb = {d.gid(0)}, nb = {d.gid(1)}, z = {d.gid(2)};\n",
            "    if (nb >= NB || mb >= MB) return;\n",
            f"    {d.global_ptr} const {T}* pa = PA + (z * MB + mb) * K * {rows};\n",
            f"    {d.global_ptr} const {T}* pb = PB + (z * NB + nb) * K * {cols};\n",
            "".join(f"    {T} c{i}_{j} = 0;\n" for i, j in cells),
            f"    for (long k = 0; k < K; ++k, pa += {rows}, pb += {cols}) {{\n",
            "".join(f"        {T} a{i} = pa[{i}];\n" for i in range(rows)),
            "".join(f"        {T} b{j} = pb[{j}];\n" for j in range(cols)),
            "".join(f"        c{i}_{j} += a{i} * b{j};\n" for i, j in cells),
            "    }\n",
            f"    long ld = NB * {cols};\n",
            f"    {d.global_ptr} {T}* out = C + ((z * MB + mb) * {rows}) * ld + nb * {cols};\n",
            "".join(f"    out[{i} * ld + {j}] = c{i}_{j};\n" for i, j in cells)]
    return build(d, p, "nr_blocked", "".join(body), (dt,))


@lru_cache(maxsize=64)
def naive(d: Dialect, dt: str, nb: int) -> Kernel:
    """C[z, m, n] = sum_k A[z, m, k] B[z, k, n], one work-item per element, operands through strides."""
    T = d.ctype(dt)
    p = Params(d)
    p.ptr("out", dt, "C")
    p.ptr("in", dt, "A")
    p.ptr("in", dt, "B")
    p.arg(IDX, "M", "N", "K", "a_off", "a_r", "a_c", "b_off", "b_r", "b_c", "n")
    p.dims("bd", nb)
    p.dims("bsa", nb)
    p.dims("bsb", nb)
    body = (f"    long i = {d.gid(0)};\n    if (i >= n) return;\n"
            "    long col = i % N, t = i / N;\n    long row = t % M, z = t / M;\n" + coords("z", "bd", nb)
            + _batch_base("ab", "a_off", "bsa", nb) + _batch_base("bb", "b_off", "bsb", nb)
            + f"    {d.global_ptr} const {T}* pa = A + ab + row * a_r;\n"
            f"    {d.global_ptr} const {T}* pb = B + bb + col * b_c;\n"
            f"    {T} acc = 0;\n    for (long k = 0; k < K; ++k) acc += pa[k * a_c] * pb[k * b_r];\n"
            "    C[i] = acc;\n")
    return build(d, p, "nr_matmul_naive", body, (dt,))
