"""Arrays larger than memory on the dask device: statistics of an on-disk float32 matrix and a linear regression
fitted by gradient descent on on-disk data, each checked against a chunked NumPy reference, with peak memory.

    python examples/dask_out_of_core.py --dir /tmp/ooc --stats-gib 8 --regress-gib 4           # threads
    python examples/dask_out_of_core.py --dir /tmp/ooc --stats-gib 8 --regress-gib 4 --cluster # LocalCluster, 2 workers

The data files are written once (``--dir``, kept for the next run unless ``--clean``) by a child process, and the
NumPy reference runs in another child, so the peak resident memory printed for this process (``resource``'s
``ru_maxrss``) is the dask device's alone. With ``--cluster`` the workers' peaks are printed too.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

STATS_COLS, REGRESS_COLS = 64, 16
TRUE_W = np.linspace(-2.0, 2.0, REGRESS_COLS)
TRUE_B = 0.5
DATA_FILES = ("stats_x.npy", "regress_x.npy", "regress_y.npy")


def _rows(gib: float, cols: int) -> int:
    return max(int(gib * 2**30) // (4 * cols), 1)


# ---- data (a child process) ------------------------------------------------------------------------------
def _write(path: str, shape: tuple, fill) -> None:
    """A .npy file written block by block through a temporary name, renamed when complete."""
    if os.path.exists(path):
        return
    tmp = f"{path}.tmp-{os.getpid()}"
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=shape)
    step = max(2**24 // int(np.prod(shape[1:], dtype=np.int64)), 1)
    for i in range(0, shape[0], step):
        out[i:i + step] = fill(i, min(i + step, shape[0]))
    out.flush()
    del out
    os.replace(tmp, path)


def make_data(directory: str, stats_gib: float, regress_gib: float) -> None:
    os.makedirs(directory, exist_ok=True)
    loc = np.linspace(-1.0, 3.0, STATS_COLS, dtype=np.float32)
    mix = np.eye(STATS_COLS, dtype=np.float32) + np.float32(0.1)  # correlated columns: a Gram matrix worth checking

    def stats_block(lo, hi):
        z = np.random.default_rng(lo).standard_normal((hi - lo, STATS_COLS), dtype=np.float32)
        return z @ mix + loc

    _write(os.path.join(directory, "stats_x.npy"), (_rows(stats_gib, STATS_COLS), STATS_COLS), stats_block)
    n = _rows(regress_gib, REGRESS_COLS)

    def regress_x(lo, hi):
        return np.random.default_rng(10**9 + lo).standard_normal((hi - lo, REGRESS_COLS), dtype=np.float32)

    def regress_y(lo, hi):
        x = regress_x(lo, hi)
        noise = np.random.default_rng(2 * 10**9 + lo).standard_normal(hi - lo, dtype=np.float32)
        return (x @ TRUE_W.astype(np.float32) + TRUE_B + np.float32(0.1) * noise)[:, None]

    # y's blocks are drawn with x's block boundaries, so that both files agree whatever the block size
    _write(os.path.join(directory, "regress_x.npy"), (n, REGRESS_COLS), regress_x)
    _write(os.path.join(directory, "regress_y.npy"), (n, 1), lambda lo, hi: _blocks_of(regress_y, lo, hi,
                                                                                      REGRESS_COLS))


def _blocks_of(fill, lo, hi, cols):
    step = max(2**24 // cols, 1)  # the x file's block size
    return np.concatenate([fill(i, min(i + step, hi)) for i in range(lo, hi, step)])


# ---- the chunked NumPy reference (a child process) ------------------------------------------------------------
def reference(directory: str, steps: int, lr: float, w0: list, b0: float, rows_per_chunk: int) -> dict:
    from nr_data import NpyArray
    x = NpyArray(os.path.join(directory, "stats_x.npy"))
    count, mean, m2, gram = 0, 0.0, 0.0, np.zeros((x.shape[1],) * 2)
    for lo in range(0, x.shape[0], rows_per_chunk):
        block = x[lo:lo + rows_per_chunk].astype(np.float64)
        k, bm = block.size, block.mean()
        bm2 = ((block - bm) ** 2).sum()
        delta, total = bm - mean, count + k
        mean, m2, count = mean + delta * k / total, m2 + bm2 + delta * delta * count * k / total, total
        gram += block.T @ block
    out = {"mean": mean, "std": (m2 / count) ** 0.5, "gram": gram.tolist()}
    xs, ys = NpyArray(os.path.join(directory, "regress_x.npy")), NpyArray(os.path.join(directory, "regress_y.npy"))
    w, b, n = np.array(w0, np.float64), float(b0), xs.shape[0]
    losses = []
    for _ in range(steps):  # full-batch gradient descent on the mean squared error, one pass per step
        gw, gb, loss = np.zeros_like(w), 0.0, 0.0
        for lo in range(0, n, rows_per_chunk):
            xb, yb = xs[lo:lo + rows_per_chunk].astype(np.float64), ys[lo:lo + rows_per_chunk, 0]
            r = xb @ w + b - yb
            loss, gw, gb = loss + (r * r).sum(), gw + xb.T @ r, gb + r.sum()
        losses.append(loss / n)
        w, b = w - lr * 2 * gw / n, b - lr * 2 * gb / n
    out.update(w=w.tolist(), b=b, losses=losses)
    return out


# ---- the dask device (this process) -----------------------------------------------------------------------
def on_dask(directory: str, steps: int, lr: float, chunk_bytes: int) -> dict:
    import dask.array  # noqa: F401  (up front, so that the device's probe finds it imported even on a busy machine)
    import nr_core as nr
    import nr_nn as nn
    import nr_nn.functional as F
    import nr_optim as optim
    from nr_backend_dask import from_array
    from nr_data import NpyArray, NpyDataset

    t0 = time.perf_counter()
    x = from_array(NpyArray(os.path.join(directory, "stats_x.npy")), chunks=(chunk_bytes // (4 * STATS_COLS), -1))
    mean, std, gram = nr.realize(nr.mean(x), nr.std(x), x.T @ x)  # one pass over the file for all three
    out = {"mean": mean.item(), "std": std.item(), "gram": gram.numpy().astype(np.float64).tolist(),
           "stats_s": time.perf_counter() - t0, "stats_peak_mib": _peak_rss_mib()}

    t0 = time.perf_counter()
    ds = NpyDataset(os.path.join(directory, "regress_x.npy"), os.path.join(directory, "regress_y.npy"))
    rows = chunk_bytes // (4 * REGRESS_COLS)
    xs, ys = (from_array(a, chunks=(rows, -1)) for a in ds.arrays)
    nr.random.seed(0)
    model = nn.Linear(REGRESS_COLS, 1).to("dask")
    out["w0"], out["b0"] = model.weight.detach().numpy()[0].tolist(), model.bias.detach().item()
    opt = optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(xs), ys)
        loss.backward()
        opt.step()
        nr.realize(loss, *model.parameters())  # one pass per step: the loss, the gradients and the new weights
        losses.append(loss.item())
    out.update(w=model.weight.detach().numpy()[0].astype(np.float64).tolist(), b=model.bias.detach().item(),
               losses=losses, regress_s=time.perf_counter() - t0)
    return out


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _cached_reference(me: list, directory: str, start: list) -> dict:
    """The reference's figures, computed once per set of data files and settings (a second run, say through the
    cluster, compares with the same numbers without another pass over the files)."""
    args = me[3:]  # without the chunk size: the reference does not depend on how the device chunks the files
    settings = [v for k, v in zip([None] + args, args) if "--chunk-mib" not in (k, v)]
    stamp = [settings, start] + [os.stat(os.path.join(directory, n)).st_mtime_ns for n in DATA_FILES]
    key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()[:16]
    path = os.path.join(directory, f"reference-{key}.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    text = subprocess.run(me + ["--_reference", json.dumps(start)], check=True, capture_output=True,
                          text=True).stdout
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return json.loads(text)


def compare(got: dict, ref: dict) -> dict:
    g, r = np.array(got["gram"]), np.array(ref["gram"])
    return {"mean_rel": abs(got["mean"] - ref["mean"]) / ref["std"], "std_rel": abs(got["std"] / ref["std"] - 1),
            "gram_rel": float(np.abs(g - r).max() / np.abs(r).max()),
            "w_max_abs": float(np.abs(np.array(got["w"]) - np.array(ref["w"])).max()),
            "b_abs": abs(got["b"] - ref["b"]),
            "loss_rel": max(abs(a / b - 1) for a, b in zip(got["losses"], ref["losses"]))}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", required=True, help="where the .npy files are written (and kept)")
    p.add_argument("--stats-gib", type=float, default=8.0)
    p.add_argument("--regress-gib", type=float, default=4.0)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--lr", type=float, default=0.25)
    p.add_argument("--chunk-mib", type=float, default=16.0, help="chunk size of the on-disk arrays")
    p.add_argument("--cluster", action="store_true", help="compute through a LocalCluster of 2 worker processes")
    p.add_argument("--clean", action="store_true", help="delete the data files at the end")
    p.add_argument("--tol", type=float, default=1e-4, help="largest relative difference accepted")
    p.add_argument("--_make", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--_reference", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    chunk_bytes = max(int(a.chunk_mib * 2**20), 4 * STATS_COLS)
    rows_stats = chunk_bytes // (4 * STATS_COLS)
    if a._make:
        make_data(a.dir, a.stats_gib, a.regress_gib)
        return 0
    if a._reference is not None:
        w0, b0 = json.loads(a._reference)
        print(json.dumps(reference(a.dir, a.steps, a.lr, w0, b0, rows_stats)))
        return 0

    me = [sys.executable, os.path.abspath(__file__), "--dir", a.dir, "--stats-gib", str(a.stats_gib),
          "--regress-gib", str(a.regress_gib), "--steps", str(a.steps), "--lr", str(a.lr),
          "--chunk-mib", str(a.chunk_mib)]
    subprocess.run(me + ["--_make"], check=True)
    client = cluster = None
    if a.cluster:
        import distributed
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=40)
        client = distributed.Client(cluster)
    try:
        got = on_dask(a.dir, a.steps, a.lr, chunk_bytes)
        workers = {} if client is None else client.run(_peak_rss_mib)
    finally:
        if client is not None:
            client.close()
            cluster.close()
    ref = _cached_reference(me, a.dir, [got["w0"], got["b0"]])
    diff = compare(got, ref)
    sizes = {n: os.path.getsize(os.path.join(a.dir, n)) / 2**30 for n in DATA_FILES}
    print(f"scheduler: {'LocalCluster, 2 worker processes' if a.cluster else 'threads'}")
    print("files (GiB): " + ", ".join(f"{n} {s:.2f}" for n, s in sizes.items()))
    print(f"stats: mean {got['mean']:.7f} (ref {ref['mean']:.7f}), std {got['std']:.7f} (ref {ref['std']:.7f}), "
          f"gram[0,0] {got['gram'][0][0]:.6e} (ref {ref['gram'][0][0]:.6e}), {got['stats_s']:.1f} s")
    print(f"regression: {a.steps} steps, loss {got['losses'][0]:.5f} -> {got['losses'][-1]:.5f} "
          f"(ref {ref['losses'][-1]:.5f}), b {got['b']:.6f} (ref {ref['b']:.6f}), {got['regress_s']:.1f} s")
    print("differences: " + ", ".join(f"{k} {v:.2e}" for k, v in diff.items()))
    print(f"peak RSS of this process: {_peak_rss_mib():.0f} MiB ({got['stats_peak_mib']:.0f} MiB after the "
          f"statistics)")
    for addr, mib in sorted(workers.items()):
        print(f"peak RSS of worker {addr}: {mib:.0f} MiB")
    if a.clean:
        for n in os.listdir(a.dir):
            if n in DATA_FILES or n.startswith("reference-"):
                os.remove(os.path.join(a.dir, n))
    ok = all(v <= a.tol for v in diff.values())
    print("RESULT:", "equal to the chunked NumPy reference" if ok else f"DIFFERS (tolerance {a.tol})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
