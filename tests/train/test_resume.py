"""Exact resume: a 6-epoch job killed (SIGKILL after an epoch's checkpoint, or SIGTERM inside an epoch) and resumed
with ``ckpt_path="last"`` ends with parameters bit-identical to the uninterrupted job's, with shuffling, dropout
and a learning-rate schedule in play. Each run is its own process, as after a real preemption."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

import nr_train

JOB = Path(__file__).with_name("resume_job.py")


@pytest.fixture(scope="module")
def digits(tmp_path_factory) -> Path:
    """digits as an .npz, so that no job pays for importing scikit-learn."""
    from sklearn.datasets import load_digits
    d = load_digits()
    path = tmp_path_factory.mktemp("data") / "digits.npz"
    np.savez(path, x=(d.data / 16.0).astype(np.float32), y=d.target.astype(np.int64))
    return path


def run_job(data: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NR_")}
    return subprocess.run([sys.executable, str(JOB), str(data), str(out), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def finished(data: Path, out: Path, *args: str) -> tuple[dict, dict]:
    proc = run_job(data, out, *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return load_file(out / "final.safetensors"), json.loads((out / "history.json").read_text())


@pytest.fixture(scope="module")
def straight(tmp_path_factory, digits):
    return finished(digits, tmp_path_factory.mktemp("straight"))


@pytest.fixture(scope="module")
def killed(tmp_path_factory, digits):
    """The job's folder after a SIGKILL at the start of epoch 3 (0-based), once epoch 2's checkpoint was written."""
    out = tmp_path_factory.mktemp("killed")
    proc = run_job(digits, out, "--kill-at-epoch", "3")
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    return out


def assert_identical(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].tobytes() == b[key].tobytes(), f"{key} differs: max |diff| {np.abs(a[key] - b[key]).max()}"


def test_sigkill_after_a_checkpoint_then_resume(tmp_path, digits, straight, killed):
    shutil.copytree(killed, tmp_path, dirs_exist_ok=True)
    state = nr_train.load_checkpoint(tmp_path / "ckpt" / "last.safetensors")
    assert (state["epoch"], state["batch_idx"]) == (3, 0)
    params, history = finished(digits, tmp_path, "--resume")
    assert_identical(params, straight[0])
    assert history == straight[1]  # every logged value of every epoch, too
    assert len(history["val_acc"]) == 6


def test_sigterm_inside_an_epoch_saves_then_resumes(tmp_path, digits, straight):
    proc = run_job(digits, tmp_path, "--term-at", "3", "10")
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr[-3000:]
    state = nr_train.load_checkpoint(tmp_path / "ckpt" / "last.safetensors")
    assert (state["epoch"], state["batch_idx"]) == (3, 11)  # saved after the batch the signal arrived in
    params, history = finished(digits, tmp_path, "--resume")
    assert_identical(params, straight[0])
    assert history == straight[1]


def test_sigterm_with_gradient_accumulation_waits_for_the_step(tmp_path, digits):
    reference, _ = finished(digits, tmp_path / "a", "--accumulate", "3")
    proc = run_job(digits, tmp_path / "b", "--accumulate", "3", "--term-at", "2", "3")
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr[-3000:]
    state = nr_train.load_checkpoint(tmp_path / "b" / "ckpt" / "last.safetensors")
    assert state["batch_idx"] == 6  # batch 4 of 3-batch steps: saved once the step was taken
    params, _ = finished(digits, tmp_path / "b", "--accumulate", "3", "--resume")
    assert_identical(params, reference)


def test_the_comparison_sees_a_wrong_generator_state(tmp_path, digits, straight, killed):
    """The check can fail: the same checkpoint with only nr's generator state changed (so other shuffles and
    dropout masks follow) does not reproduce the uninterrupted run."""
    shutil.copytree(killed, tmp_path, dirs_exist_ok=True)
    ckpt = tmp_path / "ckpt" / "last.safetensors"
    state = nr_train.load_checkpoint(ckpt)
    state["rng"]["nr"]["state"]["state"] += 1
    nr_train.save_checkpoint(state, ckpt)
    params, _ = finished(digits, tmp_path, "--resume")
    assert any(params[k].tobytes() != straight[0][k].tobytes() for k in params)
