"""The user guides stay true: every ```python block of each guide runs, in order, in one namespace, in a fresh
process; tracebacks point at the guide's own line numbers."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = ["guide-core.md", "guide-data.md", "guide-optim.md", "guide-autograd.md", "guide-nn.md",
          "guide-distributed.md", "guide-models.md", "guide-train.md",
          "guide-onnx.md", "guide-pytorch.md", "guide-dask.md", "guide-amp.md"]
TIMEOUT_S = 180

_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_FENCE = re.compile(r"^```", re.M)
# device strings whose backends need hardware the test machine may lack
_GPU_DEVICE = re.compile(r"""["'](cuda|opencl|metal)(:\d+)?["']""")
_LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")

# Runs the blocks one by one in a shared namespace; each is compiled with the guide's path and padded so that
# line numbers in a traceback are the guide's.
_RUNNER = """
import sys
blocks = {blocks!r}
namespace = {{"__name__": "__main__"}}
for start, source in blocks:
    code = compile("\\n" * (start - 1) + source, {path!r}, "exec")
    exec(code, namespace)
print("ALL", len(blocks), "BLOCKS RAN")
"""


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(first line of the code, code) of every ```python block of a markdown file."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NR_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.parametrize("guide", GUIDES)
def test_guide_is_well_formed(guide):
    text = (DOCS / guide).read_text(encoding="utf-8")
    assert len(_FENCE.findall(text)) % 2 == 0, f"{guide}: an unclosed code fence"
    blocks = python_blocks(DOCS / guide)
    assert len(blocks) >= 4, f"{guide}: expected runnable examples, found {len(blocks)} python blocks"
    for start, source in blocks:
        compile(source, f"{guide}:{start}", "exec")
        hit = _GPU_DEVICE.search(source)
        assert hit is None, f"{guide}: the python block at line {start} needs a GPU device ({hit.group(0)})"
    for target, _ in _LINK.findall(text):
        if "://" not in target:
            assert (DOCS / target).exists(), f"{guide}: broken link to {target}"


@pytest.mark.parametrize("guide", GUIDES)
def test_guide_examples_run(guide, tmp_path):
    path = DOCS / guide
    blocks = python_blocks(path)
    script = tmp_path / "run_guide.py"
    script.write_text(_RUNNER.format(blocks=blocks, path=str(path)), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=_clean_env(), capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    output = proc.stdout[-4000:] + proc.stderr[-8000:]
    assert proc.returncode == 0, f"{guide}: an example failed\n{output}"
    assert f"ALL {len(blocks)} BLOCKS RAN" in proc.stdout, output
