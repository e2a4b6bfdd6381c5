"""The CUDA backend: without a GPU it installs, imports and explains itself; with one, the kit runs on it."""
import subprocess
import sys

import pytest

import nr_core as nr

pytest.importorskip("nr_backend_cuda")


def _cuda_status():
    return next((s for s in nr.backends() if s.name == "cuda"), None)


def test_listed_with_reason_and_fix_when_unavailable():
    status = _cuda_status()
    assert status is not None, "nr-backend-cuda is installed, so nr backends must list it"
    if status.available:
        pytest.skip("a CUDA device is present: see test_kit_on_gpu")
    assert status.reason and ("CuPy" in status.reason)
    assert "neurarust[cuda]" in status.install_hint
    with pytest.raises(nr.DeviceUnavailableError, match=r"cuda.*neurarust\[cuda\]"):
        nr.ones(2, device="cuda")


def test_import_nr_core_never_imports_cupy():
    code = "import sys, nr_core as nr; nr.ones(1); print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_kit_on_gpu():
    status = _cuda_status()
    if status is None or not status.available:
        pytest.skip(f"no CUDA device here: {status.reason if status else 'backend not installed'}")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "nr_core.testing",
                        "--nr-device", "cuda", "-x"], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:]
