"""PyTorch training programs (examples/pytorch) run unmodified under PyTorch and, with only their imports changed,
under neurarust; both must learn, and neurarust's final loss must be on par with PyTorch's."""
import math
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "pytorch"))
import run_both  # noqa: E402

# what "learned" means for each program's final loss (an untrained model scores about: 0.7, 2.3, 0.69, 44)
LEARNED = {"regression_mlp.py": 0.1, "digits_cnn.py": 0.6, "sequence_lstm.py": 0.5, "digits_vae.py": 32.0}


def test_only_import_lines_change():
    source = (run_both.HERE / "digits_cnn.py").read_text()
    ported = run_both.to_neurarust(source)
    changed = [(a, b) for a, b in zip(source.splitlines(), ported.splitlines()) if a != b]
    assert changed == [("import torch", "import neurarust as torch"),
                       ("import torch.nn as nn", "import neurarust.nn as nn"),
                       ("import torch.nn.functional as F", "import neurarust.nn.functional as F"),
                       ("from torch.utils.data import DataLoader, TensorDataset",
                        "from neurarust.utils.data import DataLoader, TensorDataset")]


@pytest.mark.parametrize("program", run_both.PROGRAMS)
def test_program_runs_under_both_with_losses_on_par(program):
    # one BLAS/OpenMP thread each: on a shared 2-core machine that is what keeps both quick
    env = {k: v for k, v in os.environ.items() if not k.startswith("NR_")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    res = run_both.compare(program, ["--epochs", str(run_both.QUICK_EPOCHS[program])], env=env)
    (torch_loss, _), (nr_loss, _) = res["torch"], res["neurarust"]
    assert torch_loss < LEARNED[program], f"PyTorch did not learn: {torch_loss}"
    assert nr_loss < LEARNED[program], f"neurarust did not learn: {nr_loss} (PyTorch: {torch_loss})"
    assert abs(math.log(nr_loss / torch_loss)) < math.log(3), f"not on par: {nr_loss} vs PyTorch's {torch_loss}"
