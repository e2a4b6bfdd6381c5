"""Fused elementwise kernels: one kernel evaluating a whole expression DAG over one iteration space.

Indices are ``long`` throughout (arrays past 2**31 elements work); after axis coalescing most kernels index
one flat axis, so no division is spent on them.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import exprs
from .dialect import Dialect, key
from .source import IDX, Kernel, Params, build, coords, offset


@lru_cache(maxsize=4096)
def elementwise(d: Dialect, ins: tuple, consts: tuple, code: tuple, out: tuple, nd: int) -> Kernel:
    """One kernel evaluating a fused expression.

    ``ins``: (dtype str, flat-contiguous) per pointer operand; ``consts``: dtype str per scalar operand;
    ``code``: (op, operand dtype str, result dtype str, refs) per instruction, refs naming ``i<n>``,
    ``c<n>`` or ``t<n>`` (an earlier instruction); the last instruction is stored to ``out``
    ((dtype str, flat-contiguous)). All operands are indexed over one ``nd``-axis iteration space.
    """
    p = Params(d)
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
            if np.dtype(rdt).kind == "u" and (key(odt) in exprs.LOW_FLOATS or np.dtype(odt).kind == "f"):
                # a negative float converted to an unsigned type is undefined in C (AVX-512 PoCL gives 0, NumPy
                # on x86 wraps, -1.0 -> 65535): convert to a signed 64-bit integer first, as NumPy's loops do;
                # uint64 keeps the direct conversion for values past the signed range
                src = (f"({refs[0]} < 0 ? ({R})(long)({refs[0]}) : ({R})({refs[0]}))" if np.dtype(rdt).itemsize == 8
                       else f"({R})(long)({refs[0]})")
        else:
            tpl = exprs.template(op, len(refs), np.dtype(np.float32) if key(odt) in exprs.LOW_FLOATS else np.dtype(odt))
            src = tpl.format(T=T, **dict(zip("abc", refs)))
            for h, htpl in exprs.HELPERS.items():
                if h + "_" in src:
                    helpers[(h, T)] = htpl.format(T=T)
        low = exprs.LOW_FLOATS.get(key(rdt))
        if low:  # every 16-bit result is rounded, so a fused expression equals its ops run one by one
            src = f"nr_{low}_round((float)({src}))"
        body.append(f"    {R} t{t} = ({R})({src});\n")
    body.append(f"    {d.store(out[0], 'out', at('o', out[1]), f't{len(code) - 1}')};\n")
    dts = [dt for dt, _ in ins] + list(consts) + [out[0]] + [c[1] for c in code]
    if any(key(x) in exprs.LOW_FLOATS for x in dts):
        helpers["low"] = d.low_helpers()
    return build(d, p, "nr_ew", "".join(body), dts, "".join(helpers.values()))
