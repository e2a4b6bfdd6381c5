"""Convolution-heavy training side by side with PyTorch, each framework in its own process (so the two thread pools
never share the cores and each peak RSS is its own): a ResNet-18 training step (batch 32, 3x64x64, cross-entropy
over 1000 classes, SGD with momentum 0.9) and a 512->512 3x3 convolution on (128, 512, 2, 2), forward and backward.

Run: ``python asv_bench/compare_conv.py [--threads 2] [--runs 2] [--steps 10] [--workloads resnet18 conv512]``.
NR_PYTHON and TORCH_PYTHON pick the interpreters (default: this one). Every child runs with the same thread limits
(OMP/OpenBLAS/MKL variables and threadpoolctl) and glibc malloc thresholds as ``shared/bench/compare.py``. The
figure of each side is the median step time over ``--runs`` fresh processes (each the median of its steps), wall
clock and CPU time of the process (all its threads): on a loaded machine the CPU times compare the work done even
when the wall-clock times do not.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}
WORKLOADS = ("resnet18", "conv512")


def _inputs(workload: str):
    rng = np.random.default_rng(0)
    if workload == "resnet18":
        return (rng.standard_normal((32, 3, 64, 64), dtype="float32"),
                rng.integers(0, 1000, 32).astype(np.int64))
    return (rng.standard_normal((128, 512, 2, 2), dtype="float32"),
            (rng.standard_normal((512, 512, 3, 3), dtype="float32") * 0.02))


def _torch_step(workload: str, threads: int):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    a, b = (torch.from_numpy(v) for v in _inputs(workload))
    if workload == "conv512":
        x, w = a.requires_grad_(), b.requires_grad_()

        def step():
            y = torch.nn.functional.conv2d(x, w, padding=1)
            y.backward(torch.ones_like(y))
        return step
    sys.path.insert(0, HERE)
    from benchmarks.resnet import resnet18
    model = resnet18(torch.nn)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(a), b).backward()
        opt.step()
    return step


def _nr_step(workload: str, threads: int):
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=threads)
    sys.path.insert(0, HERE)
    from benchmarks.bench_conv import conv512_step, resnet18_step
    return (resnet18_step if workload == "resnet18" else conv512_step)("cpu")


def child(framework: str, workload: str, threads: int, steps: int) -> None:
    step = (_torch_step if framework == "torch" else _nr_step)(workload, threads)
    step()
    step()
    times, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": statistics.median(times) * 1e3, "cpu_ms": statistics.median(cpu) * 1e3,
                      "peak_rss_mb": peak}))


def run_child(python: str, framework: str, workload: str, threads: int, steps: int) -> dict:
    env = dict(os.environ, **MALLOC_ENV, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    out = subprocess.run([python, os.path.abspath(__file__), "--child", framework, workload, "--threads",
                          str(threads), "--steps", str(steps)], capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        raise RuntimeError(f"{framework} {workload} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    ap.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "WORKLOAD"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.threads, args.steps)
        return
    pythons = {"nr": os.environ.get("NR_PYTHON", sys.executable), "torch": os.environ.get("TORCH_PYTHON", sys.executable)}
    print(f"threads {args.threads}, {args.runs} runs of {args.steps} steps; load average at start "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'workload':10s} {'nr ms':>9s} {'torch ms':>9s} {'ratio':>6s} {'nr cpu':>9s} {'torch cpu':>9s} "
          f"{'ratio':>6s} {'nr MB':>7s} {'torch MB':>8s} {'ratio':>6s}")
    for workload in args.workloads:
        res = {fw: [] for fw in pythons}
        for _ in range(args.runs):
            for fw, py in pythons.items():  # alternate, so that machine noise hits both alike
                res[fw].append(run_child(py, fw, workload, args.threads, args.steps))
        ms, cpu, mb = ({fw: agg(r[key] for r in rs) for fw, rs in res.items()}
                       for key, agg in (("ms", statistics.median), ("cpu_ms", statistics.median),
                                        ("peak_rss_mb", max)))
        print(f"{workload:10s} {ms['nr']:9.1f} {ms['torch']:9.1f} {ms['nr'] / ms['torch']:6.2f} {cpu['nr']:9.1f} "
              f"{cpu['torch']:9.1f} {cpu['nr'] / cpu['torch']:6.2f} {mb['nr']:7.0f} {mb['torch']:8.0f} "
              f"{mb['nr'] / mb['torch']:6.2f}")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
