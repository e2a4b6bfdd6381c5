"""float16 and bfloat16 checkpoints: nr's files read by safetensors' PyTorch loader and PyTorch's read by nr,
bit for bit; a half() model round-trips."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

_VALUES = np.array([[0.1, -2.5e-3, 1000.7], [65504.0, 1e-7, -0.0]], np.float32)


@pytest.mark.parametrize("dt", [nr.float16, nr.bfloat16], ids=["float16", "bfloat16"])
def test_nr_files_read_in_torch_and_back(tmp_path, dt):
    path = tmp_path / "m.safetensors"
    x = nr.astype(nr.asarray(_VALUES), dt)
    nn.save({"w": x, "s": nr.asarray(3.0, dtype=dt)}, path)
    got = st_torch.load_file(str(path))
    want = torch.from_numpy(_VALUES).to(getattr(torch, dt.name))
    assert got["w"].dtype == want.dtype and torch.equal(got["w"].view(torch.int16), want.view(torch.int16))
    assert got["s"].shape == () and float(got["s"]) == 3.0
    st_torch.save_file({"w": want}, str(path))
    back = nn.load(path)["w"]
    assert back.dtype is dt
    np.testing.assert_array_equal(back.astype(nr.float32).numpy(), want.float().numpy())


def test_a_half_model_round_trips(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).half()
    assert all(p.dtype is nr.float16 for p in model.parameters())
    nn.save(model.state_dict(), tmp_path / "h.safetensors")
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).bfloat16().to(dtype=nr.float16)
    fresh.load_state_dict(nn.load(tmp_path / "h.safetensors"))
    x = nr.ones((2, 3), dtype=nr.float16)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
