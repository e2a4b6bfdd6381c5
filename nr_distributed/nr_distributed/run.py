"""``nr-run``: start a training script on N ranks through ``mpiexec``, with the environment set for it.

    nr-run -n 2 train.py --epochs 3            # this machine
    nr-run -n 8 --hostfile hosts train.py      # several machines (MPICH: host:slots per line)
    python -m nr_distributed.run -n 2 train.py

It finds the ``mpiexec`` of this environment (the ``mpich`` wheel's, next to the Python executable) or the
one on PATH, shares the cores among the local ranks (``OMP_NUM_THREADS`` and the BLAS equivalents, unless
set), and, when the job fails, says which rank failed and how: every rank leaves a note in a folder
nr-run gives it (``NR_RUN_DIR``), and MPICH's report of a killed process names its pid.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_PID_LINE = re.compile(r"PID (\d+) RUNNING AT (\S+)")
_EXIT_LINE = re.compile(r"EXIT CODE: (\d+)")


def find_mpiexec(explicit: str | None = None) -> str:
    """``explicit``, else the mpiexec beside this Python (a venv with the mpich wheel), else the one on PATH."""
    if explicit:
        return explicit
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise SystemExit("nr-run: no mpiexec found; pip install mpich (an MPI inside this environment), or load "
                         "your cluster's MPI")
    return found


def flavour(mpiexec: str) -> str:
    """"mpich", "openmpi" or "other", from ``mpiexec --version``."""
    try:
        text = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "other"
    if "HYDRA" in text or "MPICH" in text:
        return "mpich"
    if "Open MPI" in text or "OpenRTE" in text or "open-mpi" in text:
        return "openmpi"
    return "other"


def build_command(mpiexec: str, kind: str, n: int, hostfile: str | None, env_names: list[str],
                  program: list[str]) -> list[str]:
    cmd = [mpiexec, "-n", str(n)]
    if hostfile:
        cmd += ["-f", hostfile] if kind == "mpich" else ["--hostfile", hostfile]
    if kind == "openmpi":
        if n > (os.cpu_count() or 1) and not hostfile:
            cmd.append("--oversubscribe")  # Open MPI refuses more ranks than cores otherwise
        for name in env_names:  # MPICH forwards the whole environment; Open MPI only what -x names
            cmd += ["-x", name]
    return cmd + program


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="nr-run", description="Run a script on N ranks through mpiexec.")
    ap.add_argument("-n", "--nproc", type=int, default=1, help="number of ranks (default 1)")
    ap.add_argument("--hostfile", help="MPI hostfile for several machines")
    ap.add_argument("--timeout", type=float, help="seconds any collective may wait (NR_DIST_TIMEOUT)")
    ap.add_argument("--threads-per-rank", type=int, help="OMP/BLAS threads per rank (default: cores / ranks)")
    ap.add_argument("--mpiexec", help="the mpiexec to use (default: this environment's, then PATH)")
    ap.add_argument("-m", dest="module", help="run a module (python -m) instead of a script")
    ap.add_argument("program", nargs=argparse.REMAINDER, help="script.py and its arguments")
    args = ap.parse_args(argv)
    if args.nproc < 1:
        ap.error(f"-n must be at least 1, got {args.nproc}")
    if args.module is None and not args.program:
        ap.error("give a script to run (or -m module)")
    return args


def _report(run_dir: str, reported_pid: int | None, exit_code: str | None) -> None:
    notes = []
    for path in glob.glob(os.path.join(run_dir, "rank-*.json")):
        try:
            with open(path) as f:
                notes.append(json.load(f))
        except (OSError, ValueError):
            continue
    for note in sorted(notes, key=lambda x: x["rank"]):
        if note.get("state") == "failed":
            print(f"nr-run: rank {note['rank']} (pid {note['pid']} on {note['host']}) failed: {note.get('reason')}",
                  file=sys.stderr)
            return
    for note in notes:
        if note["pid"] == reported_pid:
            how = f"exit code {exit_code}" if exit_code else "no exit code"
            print(f"nr-run: rank {note['rank']} (pid {note['pid']} on {note['host']}) died ({how}); mpiexec stopped "
                  "the other ranks", file=sys.stderr)
            return


class _Relay(threading.Thread):
    """Copies one of mpiexec's pipes to ours as bytes arrive (progress bars stay live), watching for MPICH's
    report of a process that died ("PID n RUNNING AT host", "EXIT CODE: c"), which it prints on stdout."""

    def __init__(self, pipe, out) -> None:
        super().__init__(daemon=True)
        self.pipe, self.out, self.tail = pipe, out, ""
        self.pid: int | None = None
        self.exit_code: str | None = None

    def run(self) -> None:
        fd = self.pipe.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.out.buffer.write(chunk)
            self.out.flush()
            self.tail = (self.tail + chunk.decode(errors="replace"))[-4096:]
            m = _PID_LINE.search(self.tail)
            if m and self.pid is None:
                self.pid = int(m.group(1))
            m = _EXIT_LINE.search(self.tail)
            if m and self.exit_code is None:
                self.exit_code = m.group(1)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    mpiexec = find_mpiexec(args.mpiexec)
    kind = flavour(mpiexec)
    program = [sys.executable] + (["-m", args.module] if args.module else []) + args.program
    run_dir = tempfile.mkdtemp(prefix="nr-run-")
    env = dict(os.environ, NR_RUN_DIR=run_dir)
    per_rank = args.threads_per_rank or max(1, (os.cpu_count() or 1) // args.nproc)
    for name in THREAD_VARS:
        env.setdefault(name, str(per_rank))
    if args.timeout is not None:
        env["NR_DIST_TIMEOUT"] = str(args.timeout)
    names = ["NR_RUN_DIR", "NR_DIST_TIMEOUT", *THREAD_VARS]
    cmd = build_command(mpiexec, kind, args.nproc, args.hostfile, [n for n in names if n in env], program)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    relays = [_Relay(proc.stdout, sys.stdout), _Relay(proc.stderr, sys.stderr)]
    for r in relays:
        r.start()

    def forward(signum, frame):  # Ctrl-C or a scheduler's SIGTERM reaches the ranks through mpiexec
        proc.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        rc = proc.wait()
        for r in relays:
            r.join()
        if rc != 0:
            pid = next((r.pid for r in relays if r.pid is not None), None)
            code = next((r.exit_code for r in relays if r.exit_code is not None), None)
            _report(run_dir, pid, code)
        return rc
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
