"""Side by side in one process on the OpenCL device (PoCL here): matmul 1024^2, ``a*b+c`` on 4M float32 and
one MLP training step, nr on opencl:0 vs PyOpenCL's own ``pyopencl.array`` (where it has the op) vs nr on
the CPU backend. Rounds alternate between the implementations; medians and ratios are printed.

Run: .venv/bin/python asv_bench/compare_opencl.py [--rounds 7] [--device opencl:0]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _ms(fn, number: int) -> float:
    fn()  # warm: compiles, allocations
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number * 1e3


def _sync(x) -> None:
    """Wait for an nr array's pending work (fused expressions are realised, the queue drained)."""
    if x.device.kind == "opencl":
        from nr_core.kernelgen.device.lazy import realize
        realize(x._data).rt.finish()


def _mlp_step(nr, device, batch=256, sizes=(784, 512, 10), lr=0.01):
    rng = np.random.default_rng(0)
    ws = [nr.asarray(rng.standard_normal((a, b)).astype(np.float32) * np.sqrt(2.0 / a), device=device,
                     requires_grad=True) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [nr.asarray(np.zeros(b, np.float32), device=device, requires_grad=True) for b in sizes[1:]]
    x = nr.asarray(rng.standard_normal((batch, sizes[0])).astype(np.float32), device=device)
    onehot = nr.asarray(np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)], device=device)

    def step():
        h = x
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            if i < len(ws) - 1:
                h = nr.relu(h)
        logp = h - nr.logsumexp(h, axis=1, keepdims=True)
        loss = -nr.mean(nr.sum(onehot * logp, axis=1))
        loss.backward()
        with nr.no_grad():
            for p in ws + bs:
                p -= lr * p.grad
                p.grad = None
        _sync(ws[-1])
    return step


def workloads(nr, cl_device: str):
    import pyopencl.array as cla

    rng = np.random.default_rng(0)
    rt = nr.asarray([0.0], device=cl_device)._backend.runtime(nr.Device("opencl", int(cl_device.split(":")[1])))
    q = rt.queue
    out = []

    m1, m2 = (rng.standard_normal((1024, 1024)).astype(np.float32) for _ in range(2))
    nr_m = {d: (nr.asarray(m1, device=d), nr.asarray(m2, device=d)) for d in (cl_device, "cpu")}
    out.append(("matmul 1024x1024 float32", {
        "nr-opencl": lambda: _sync(nr_m[cl_device][0] @ nr_m[cl_device][1]),
        "pyopencl.array": None,  # pyopencl.array has no matrix product
        "nr-cpu": lambda: nr_m["cpu"][0] @ nr_m["cpu"][1],
    }, 3))

    n = 1 << 22
    a, b, c = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    nr_v = {d: tuple(nr.asarray(v, device=d) for v in (a, b, c)) for d in (cl_device, "cpu")}
    ga, gb, gc = (cla.to_device(q, v) for v in (a, b, c))

    def pyopencl_fma():
        ga * gb + gc
        q.finish()

    out.append(("a*b+c, 4M float32", {
        "nr-opencl": lambda: _sync(nr_v[cl_device][0] * nr_v[cl_device][1] + nr_v[cl_device][2]),
        "pyopencl.array": pyopencl_fma,
        "nr-cpu": lambda: nr_v["cpu"][0] * nr_v["cpu"][1] + nr_v["cpu"][2],
    }, 10))

    out.append(("MLP step 256x784-512-10 (fwd+bwd+SGD)", {
        "nr-opencl": _mlp_step(nr, cl_device),
        "pyopencl.array": None,  # no matmul, no autograd
        "nr-cpu": _mlp_step(nr, "cpu"),
    }, 3))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--device", default="opencl:0")
    args = ap.parse_args()
    import nr_core as nr
    from nr_core.plugins import REGISTRY

    print(f"device {args.device}: {REGISTRY.resolve(args.device)[1].device_names()[nr.Device('opencl', 0)]}")
    for title, impls, number in workloads(nr, args.device):
        live = {k: f for k, f in impls.items() if f is not None}
        times = {k: [] for k in live}
        for _ in range(args.rounds):
            for k, f in live.items():
                times[k].append(_ms(f, number))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"\n{title}  ({args.rounds} alternating rounds of {number} calls; median ms/call)")
        for k in impls:
            print(f"  {k:15s} " + (f"{med[k]:9.2f} ms" if k in med else "      n/a (no equivalent)"))
        base = med["nr-opencl"]
        for k in med:
            if k != "nr-opencl":
                print(f"  ratio nr-opencl / {k}: {base / med[k]:.2f}")


if __name__ == "__main__":
    main()
