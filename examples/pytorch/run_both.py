"""Run each PyTorch program here twice: unmodified under PyTorch, then with only its imports changed to neurarust
(``import torch`` -> ``import neurarust as torch``, ``from torch.x import`` -> ``from neurarust.x import``), and
print the final losses side by side.

    python examples/pytorch/run_both.py [--quick] [program.py ...]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = ["regression_mlp.py", "digits_cnn.py", "sequence_lstm.py", "digits_vae.py"]
QUICK_EPOCHS = {"regression_mlp.py": 8, "digits_cnn.py": 2, "sequence_lstm.py": 4, "digits_vae.py": 4}
_IMPORT = re.compile(r"^(\s*)(import|from)\s+torch\b")


def to_neurarust(source: str) -> str:
    """The program with its torch imports pointing at neurarust; every other line unchanged (checked)."""
    out = []
    for line in source.splitlines(keepends=True):
        if re.match(r"^\s*import\s+torch\s*$", line):
            line = line.replace("import torch", "import neurarust as torch")
        elif _IMPORT.match(line):
            line = _IMPORT.sub(r"\1\2 neurarust", line)
        out.append(line)
    changed = [(a, b) for a, b in zip(source.splitlines(), "".join(out).splitlines()) if a != b]
    assert all(a.lstrip().startswith(("import ", "from ")) for a, _ in changed), "only import lines may change"
    return "".join(out)


def run(path: Path, args: list[str], timeout: float, env: dict | None = None) -> tuple[float, float, str]:
    """(final loss, seconds, output) of one run of the program at ``path``."""
    start = time.perf_counter()
    r = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=timeout,
                       cwd=HERE, env=env)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    match = re.search(r"final loss (\S+)", r.stdout)
    if match is None:
        raise RuntimeError(f"{path.name} printed no final loss:\n{r.stdout[-2000:]}")
    return float(match.group(1)), seconds, r.stdout


def compare(name: str, args: list[str], timeout: float = 900, env: dict | None = None) -> dict:
    """Both runs of one program: {"torch": (loss, s), "neurarust": (loss, s)}."""
    source = (HERE / name).read_text()
    torch_loss, torch_s, _ = run(HERE / name, args, timeout, env)
    with tempfile.TemporaryDirectory() as tmp:
        ported = Path(tmp) / name
        ported.write_text(to_neurarust(source))
        nr_loss, nr_s, _ = run(ported, args, timeout, env)
    return {"torch": (torch_loss, torch_s), "neurarust": (nr_loss, nr_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", nargs="*", default=PROGRAMS)
    parser.add_argument("--quick", action="store_true", help="fewer epochs (as the test suite runs them)")
    opts = parser.parse_args()
    print(f"{'program':<20} {'torch loss':>12} {'nr loss':>12} {'torch s':>8} {'nr s':>8}")
    for name in opts.programs:
        args = ["--epochs", str(QUICK_EPOCHS[name])] if opts.quick else []
        res = compare(name, args)
        (tl, ts), (nl, ns) = res["torch"], res["neurarust"]
        print(f"{name:<20} {tl:>12.6f} {nl:>12.6f} {ts:>8.1f} {ns:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
