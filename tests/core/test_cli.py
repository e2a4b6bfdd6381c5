"""The ``nr`` command lists backends with status, devices, the default, and a smoke test."""
import subprocess
import sys


def test_nr_backends_table():
    r = subprocess.run([sys.executable, "-m", "nr_core", "backends"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(line.startswith("PASS") and " cpu " in line for line in lines)
    assert any("* cpu" in line and "smoke test: ok" in line for line in lines)
    assert "default device: cpu" in r.stdout


def test_unavailable_backend_shows_reason_and_fix():
    code = ("import nr_core as nr\n"
            "try:\n    nr.ones(2, device='metal')\nexcept nr.DeviceUnavailableError as e:\n    print(e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "device metal:0" in r.stdout and 'pip install "neurarust[metal]"' in r.stdout
