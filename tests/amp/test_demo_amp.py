"""``examples/demo.py --amp bf16|fp16`` trains the digits CNN under autocast (with a GradScaler for fp16), in a
fresh process, and reports accuracy and activation memory (the full-length acceptance run is in the report)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_demo_trains_under_autocast(tmp_path, amp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NR_")}
    r = subprocess.run([sys.executable, str(EXAMPLES / "demo.py"), "--device", "cpu", "--epochs", "2", "--amp", amp,
                        "--out", str(tmp_path), "--no-progress"], capture_output=True, text=True, cwd=EXAMPLES,
                       env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert float(re.search(r"accuracy (\d\.\d+)", r.stdout).group(1)) > 0.85
    held = int(re.search(r"(\d+) KiB held after forward", r.stdout).group(1))
    assert 0 < held < 2000
    assert f"({amp})" in r.stdout and ("skipped by the GradScaler" in r.stdout) == (amp == "fp16")
