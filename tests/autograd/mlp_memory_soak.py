"""Memory soak (run once by hand, not collected by pytest): 10,000 MLP training iterations, RSS at 1,000 and
10,000. Run: .venv/bin/python tests/autograd/mlp_memory_soak.py"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from mlp_loop import run  # noqa: E402

if __name__ == "__main__":
    t0 = time.perf_counter()
    marks = run(10_000, checkpoints=(1_000, 5_000, 10_000))
    for it, mib in marks.items():
        print(f"iteration {it:>6}: RSS {mib:.1f} MiB")
    print(f"growth 1,000 -> 10,000: {marks[10_000] - marks[1_000]:+.2f} MiB ({time.perf_counter() - t0:.1f} s)")
