"""Every script in examples/ runs, with fast settings, so none of them rots."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, *args: str, timeout: int = 600, ranks: int = 0) -> str:
    """Run an example; with ``ranks``, as that many MPI ranks through the environment's mpiexec."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NR_")}
    launcher = [str(Path(sys.executable).with_name("mpiexec")), "-n", str(ranks)] if ranks else []
    r = subprocess.run([*launcher, sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                       cwd=EXAMPLES, env=env, timeout=timeout)
    assert r.returncode == 0, f"{script} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r.stdout


def accuracy(out: str) -> float:
    return float(re.search(r"accuracy (\d\.\d+)", out).group(1))


def test_demo_trains_saves_and_plots(tmp_path):
    out = run("demo.py", "--device", "cpu", "--epochs", "3", "--out", str(tmp_path), "--no-progress")
    assert accuracy(out) > 0.85
    assert (tmp_path / "digits_cnn.safetensors").stat().st_size > 10_000
    png = (tmp_path / "training_curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_mlp_digits():
    assert accuracy(run("mlp_digits.py", "--device", "cpu", "--epochs", "5")) > 0.85


def test_cnn_digits(tmp_path):
    assert accuracy(run("cnn_digits.py", "--device", "cpu", "--epochs", "2", "--out", str(tmp_path))) > 0.7


def test_lstm_sequence():
    assert accuracy(run("lstm_sequence.py", "--device", "cpu", "--epochs", "6")) > 0.6


def test_transformer_classifier():
    assert accuracy(run("transformer_classifier.py", "--device", "cpu", "--epochs", "8")) > 0.6


def test_array_api_consumers():
    pytest.importorskip("sklearn")
    out = run("array_api_consumers.py", "--device", "cpu")
    values = dict(line.split(None, 1) for line in out.strip().splitlines())
    assert values["scipy_returns"].strip() == "nr_core"
    assert float(values["standardize_max_abs_diff"]) < 1e-12 and float(values["scipy_max_abs_diff"]) < 1e-12
    assert float(values["sklearn_lda_train_accuracy"]) == pytest.approx(float(values["sklearn_numpy_accuracy"]))


def test_resume_checkpoint(tmp_path):
    out = run("resume_checkpoint.py", "--device", "cpu", "--epochs", "2", "--out", str(tmp_path))
    assert "largest parameter difference 0" in out


def test_ddp_digits_on_two_mpi_ranks(tmp_path):
    pytest.importorskip("mpi4py")
    out = run("ddp_digits.py", "--epochs", "2", "--out", str(tmp_path), ranks=2, timeout=300)
    assert out.count("on 2 rank(s)") == 2  # only rank 0 reports, once per epoch
    assert accuracy(out.splitlines()[-2]) > 0.75
    assert (tmp_path / "ddp_digits.safetensors").stat().st_size > 10_000


def test_finetune_resnet_digits(tmp_path):
    pytest.importorskip("sklearn")
    out = run("finetune_resnet_digits.py", "--device", "cpu", "--quick", "--out", str(tmp_path))
    acc = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(.*): (?:held-out )?accuracy (\d\.\d+)", out, re.M)}
    assert acc["pretrained on digits 0-4"] > 0.85
    assert acc["new head, before training"] < 0.5  # the new head starts from chance
    assert acc["head only, backbone frozen"] > 0.6  # the pretrained features transfer
    assert acc["fine-tuned, backbone unfrozen"] > 0.85
    assert (tmp_path / "resnet_digits04.safetensors").stat().st_size > 100_000


def test_tiny_gpt():
    pytest.importorskip("sklearn")
    pytest.importorskip("tokenizers")
    out = run("tiny_gpt.py", "--device", "cpu", "--quick", "--steps", "60")
    m = re.search(r"first (\d+\.\d+), last (\d+\.\d+); held-out loss (\d+\.\d+) \(uniform guess (\d+\.\d+)\)", out)
    first, last, held_out, uniform = map(float, m.groups())
    assert last < first - 0.7 and held_out < uniform - 0.7
    sample = re.search(r"^sample: (.*)$", out, re.M).group(1)
    assert sample.startswith("The dataset") and len(sample) > len("The dataset") + 10


def test_every_example_has_a_test():
    tested = {name for name in re.findall(r'run\("(\w+\.py)"', Path(__file__).read_text())}
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == tested, f"examples without a test: {sorted(scripts - tested)}"


def test_export_onnx(tmp_path):
    pytest.importorskip("onnxruntime")
    out = run("export_onnx.py", "--device", "cpu", "--epochs", "1", "--out", str(tmp_path))
    diffs = [float(d) for d in re.findall(r"max difference (\S+)", out)]
    accs = [float(a) for a in re.findall(r"accuracy (\d\.\d+)", out)]
    assert len(diffs) == 2 and max(diffs) < 1e-4 and len(set(accs)) == 1 and accs[0] > 0.5, out
    assert (tmp_path / "digits_cnn.onnx").stat().st_size > 10_000
def test_dask_out_of_core_small(tmp_path):
    pytest.importorskip("nr_backend_dask")
    out = run("dask_out_of_core.py", "--dir", str(tmp_path), "--stats-gib", "0.01", "--regress-gib", "0.005",
              "--chunk-mib", "1", "--steps", "3", "--clean")
    assert "RESULT: equal to the chunked NumPy reference" in out
    assert not list(tmp_path.iterdir())
