"""Off macOS the Metal backend installs, imports and explains itself; its package metadata keeps pyobjc to macOS."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nr_backend_metal.backend import MetalBackend

ROOT = Path(__file__).resolve().parents[3]
ENV = {k: v for k, v in os.environ.items() if k != "NR_METAL_RUNTIME"}


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS the real runtime is probed")
def test_probe_off_macos_says_why_and_that_the_runtime_is_unverified(monkeypatch):
    monkeypatch.delenv("NR_METAL_RUNTIME", raising=False)
    ok, reason = MetalBackend().probe()
    assert not ok
    assert "Metal needs macOS" in reason and "unverified until run on a Mac" in reason


def test_unknown_runtime_choice_is_refused(monkeypatch):
    monkeypatch.setenv("NR_METAL_RUNTIME", "vulkan")
    ok, reason = MetalBackend().probe()
    assert not ok and "NR_METAL_RUNTIME='vulkan'" in reason


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS the real runtime is probed")
def test_nr_backends_lists_metal_unavailable_with_reason_and_fix():
    out = subprocess.run([sys.executable, "-m", "nr_core", "backends", "--no-smoke"], capture_output=True, text=True,
                         timeout=120, env=ENV)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["FAIL", "metal"])
    assert "nr-backend-metal" in lines[at]
    assert "unavailable: Metal needs macOS" in lines[at + 1] and "unverified until run on a Mac" in lines[at + 1]
    assert "to enable:" in lines[at + 2] and "neurarust[metal]" in lines[at + 2]


def test_importing_the_backend_imports_no_runtime():
    code = ("import sys, nr_backend_metal.plugin, nr_backend_metal.backend; "
            "print(any(m in sys.modules for m in ('Metal', 'nr_backend_metal.runtime_metal', "
            "'nr_backend_metal.runtime_shim')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=ENV)
    assert out.stdout.strip() == "False", out.stderr


def test_pyobjc_is_a_dependency_on_macos_only():
    meta = tomllib.loads((ROOT / "nr_backends" / "metal" / "pyproject.toml").read_text())
    deps = meta["project"]["dependencies"]
    pyobjc = [d for d in deps if d.startswith("pyobjc")]
    assert pyobjc and all("sys_platform == 'darwin'" in d for d in pyobjc)
    umbrella = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert umbrella["project"]["optional-dependencies"]["metal"] == ["nr-backend-metal==0.1.0; sys_platform == 'darwin'"]
