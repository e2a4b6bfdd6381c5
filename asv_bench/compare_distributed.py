"""nr_distributed on 2 local MPI ranks: all-reduce throughput of a 100 MB gradient set (nr vs mpi4py alone vs
torch.distributed's gloo), when DDP's bucket all-reduces start and finish relative to the end of backward, and
the digits CNN's training throughput on 1 vs 2 ranks (examples/ddp_digits.py through nr-run).

    .venv/bin/python asv_bench/compare_distributed.py [--rounds 5] [--epochs 3] [--skip-torch]

The parent launches every measurement with this environment's mpiexec; rank 0 prints one JSON line each.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
MB = 1024 * 1024
TOTAL = 100 * MB  # the gradient set, float32
BUCKET = 25 * MB  # DDP's default bucket


def _median_s(fn, rounds: int) -> float:
    fn()  # warm-up: first-touch page faults and MPI's shared-memory setup
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def worker_allreduce(rounds: int, with_torch: bool) -> None:
    import numpy as np
    from mpi4py import MPI

    import nr_core as nr
    import nr_distributed as dist

    dist.init_process_group("mpi")
    n = TOTAL // 4
    grads = nr.asarray(np.ones(n, dtype=np.float32))
    buckets = [nr.asarray(np.ones(BUCKET // 4, dtype=np.float32)) for _ in range(TOTAL // BUCKET)]
    raw = np.ones(n, dtype=np.float32)
    comm = MPI.COMM_WORLD

    def bucketed():
        for w in [dist.all_reduce(b, async_op=True) for b in buckets]:
            w.wait()

    out = {"nr all_reduce 100 MB": _median_s(lambda: dist.all_reduce(grads), rounds),
           "nr 4 x 25 MB async buckets": _median_s(bucketed, rounds),
           "mpi4py Allreduce 100 MB": _median_s(lambda: comm.Allreduce(MPI.IN_PLACE, raw, MPI.SUM), rounds)}
    if with_torch:
        import torch
        import torch.distributed as tdist
        tdist.init_process_group("gloo", init_method="tcp://127.0.0.1:29517", rank=dist.get_rank(),
                                 world_size=dist.get_world_size())
        t = torch.ones(n, dtype=torch.float32)
        out["torch gloo all_reduce 100 MB"] = _median_s(lambda: tdist.all_reduce(t), rounds)
        tdist.destroy_process_group()
    if dist.get_rank() == 0:
        print(json.dumps({"allreduce": out}), flush=True)
    dist.destroy_process_group()


def worker_overlap(rounds: int, with_torch: bool) -> None:
    import nr_core as nr
    import nr_distributed as dist
    import nr_nn as nn

    dist.init_process_group("mpi")
    nr.random.seed(0)
    model = nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(1024, 1024), nn.Tanh())], nn.Linear(1024, 10))
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=5)
    x = nr.random.normal((64, 1024))
    runs = []
    for step in range(rounds + 1):
        loss = ddp(x).sum()
        t0 = time.perf_counter()
        loss.backward()
        t1 = time.perf_counter()
        tl = ddp.last_timeline
        if step:  # the first step warms up
            runs.append({"backward_end_ms": 1e3 * (tl["backward_end"] - t0), "step_ms": 1e3 * (t1 - t0),
                         "buckets": [{"bucket": b["bucket"], "MB": b["bytes"] / MB,
                                      "launched_ms": 1e3 * (b["launched"] - t0),
                                      "completed_ms": 1e3 * (b["completed"] - t0)} for b in tl["buckets"]]})
    if dist.get_rank() == 0:
        print(json.dumps({"overlap": runs[len(runs) // 2]}), flush=True)
    dist.destroy_process_group()


def _launch(mode: str, args) -> dict:
    cmd = [os.path.join(BIN, "mpiexec"), "-n", "2", sys.executable, __file__, "--worker", mode,
           "--rounds", str(args.rounds)] + (["--skip-torch"] if args.skip_torch else [])
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if out.returncode:
        raise SystemExit(f"{mode} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(next(line for line in out.stdout.splitlines() if line.startswith("{")))


def _digits(ranks: int, threads: int, epochs: int) -> float:
    cmd = [os.path.join(BIN, "nr-run"), "-n", str(ranks), "--threads-per-rank", str(threads),
           os.path.join(HERE, "..", "examples", "ddp_digits.py"),
           "--epochs", str(epochs), "--out", os.path.join(HERE, "..", "out", f"bench-ddp-{ranks}")]
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=os.path.join(HERE, "..", "examples"), env=env,
                         timeout=900)
    if out.returncode:
        raise SystemExit(f"ddp_digits on {ranks} rank(s) failed:\n{out.stdout}\n{out.stderr}")
    rates = [float(m) for m in re.findall(r"(\d+) samples/s", out.stdout)]
    return statistics.median(rates[1:]) if len(rates) > 1 else rates[0]  # epoch 1 includes warm-up


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--worker", choices=["allreduce", "overlap"])
    args = ap.parse_args()
    if args.worker:
        {"allreduce": worker_allreduce, "overlap": worker_overlap}[args.worker](args.rounds, not args.skip_torch)
        return
    print(f"2 local MPI ranks (mpich wheel), 1 BLAS thread each; load {os.getloadavg()[0]:.1f}")
    for name, seconds in _launch("allreduce", args)["allreduce"].items():
        print(f"  {name:32s} {1e3 * seconds:8.1f} ms   {TOTAL / seconds / 1e9:6.2f} GB/s")
    ov = _launch("overlap", args)["overlap"]
    print(f"DDP backward of a 6 x Linear(1024, 1024) MLP, bucket_cap_mb=5 (times from backward start): "
          f"backward ends at {ov['backward_end_ms']:.1f} ms, loss.backward() returns at {ov['step_ms']:.1f} ms")
    for b in ov["buckets"]:
        print(f"  bucket {b['bucket']}  {b['MB']:5.2f} MB  launched {b['launched_ms']:7.1f} ms  "
              f"completed by {b['completed_ms']:7.1f} ms")
    one, one_two_threads, two = _digits(1, 1, args.epochs), _digits(1, 2, args.epochs), _digits(2, 1, args.epochs)
    print(f"digits CNN (examples/ddp_digits.py, 32 samples per rank and step, median of epochs 2..): "
          f"1 rank x 1 thread {one:.0f} samples/s, 1 rank x 2 BLAS threads {one_two_threads:.0f} samples/s, "
          f"2 ranks x 1 thread {two:.0f} samples/s ({two / one:.2f}x the 1-thread rank)")


if __name__ == "__main__":
    main()
