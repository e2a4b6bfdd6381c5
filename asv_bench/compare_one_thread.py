"""The shared/bench workloads with both frameworks on one thread: torch at ``--threads 1`` against nr with
OpenBLAS and the CPU backend's pool at one thread (OMP/OPENBLAS/MKL/NR_NUM_THREADS=1), each script in its own
process under compare.py's malloc settings; medians of ``--runs`` runs.

Run: NR_PYTHON=.venv/bin/python BENCH_PYTHON=/tmp/bench-venv/bin/python python3 asv_bench/compare_one_thread.py
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "shared", "bench")
ONE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NR_NUM_THREADS": "1",
       "MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


def _run(python: str, script: str) -> dict:
    out = subprocess.run([python, os.path.join(BENCH, script), "--threads", "1"], capture_output=True, text=True,
                         env=dict(os.environ, **ONE), check=False)
    if out.returncode:
        raise RuntimeError(f"{script} failed:\n{out.stderr[-2000:]}")
    values = {}
    for line in out.stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if "workload" in rec and isinstance(rec.get("value"), (int, float)):
            values[rec["workload"]] = rec["value"]
    return values


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    sides = {"torch 1t": (os.environ.get("BENCH_PYTHON", sys.executable), "wl_torch.py"),
             "nr 1t": (os.environ.get("NR_PYTHON", sys.executable), "wl_nr.py")}
    res = {k: {} for k in sides}
    for _ in range(args.runs):
        for k, (py, script) in sides.items():  # alternate, so machine noise hits both alike
            for w, v in _run(py, script).items():
                res[k].setdefault(w, []).append(v)
    print("| workload | torch 1t | nr 1t | nr/torch |\n|---|---:|---:|---:|")
    for w, vals in res["nr 1t"].items():
        if w in res["torch 1t"]:
            t, n = statistics.median(res["torch 1t"][w]), statistics.median(vals)
            print(f"| {w} | {t:.3g} | {n:.3g} | {n / t:.2f}x |")


if __name__ == "__main__":
    main()
