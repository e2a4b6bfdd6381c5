"""Checkpoints (nr_nn.save/load): dtypes a safetensors file cannot hold are refused before anything is written and
named on load; a writer killed mid-save leaves no litter after the next save, while the temporary file of a live
writer (another process, another thread) is never touched; files get the mode a plain open() would give them."""
from __future__ import annotations

import errno
import json
import os
import struct
import subprocess
import sys
import textwrap
import threading
import time
import types

import numpy as np
import pytest
import safetensors.numpy as stnp

import nr_core as nr
import nr_nn as nn
from nr_nn import _atomic_write

STORABLE = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64, np.float32,
            np.float64, np.complex64]


def _temps(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


# ---- dtypes ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", STORABLE, ids=lambda d: np.dtype(d).name)
def test_every_storable_dtype_round_trips(tmp_path, dtype):
    values = (np.arange(6).reshape(2, 3) % 2 == 0) if dtype is np.bool_ else (np.arange(6).reshape(2, 3) * 3 + 1)
    values = values.astype(dtype)
    if dtype is np.complex64:
        values = values + 1j * values[::-1]
    path = tmp_path / "m.safetensors"
    nn.save({"x": nr.asarray(values)}, path)
    np.testing.assert_array_equal(stnp.load_file(str(path))["x"], values)  # the reference reader agrees
    got = nn.load(path)["x"]
    assert got.dtype.name == np.dtype(dtype).name
    np.testing.assert_array_equal(got.numpy(), values)


def test_complex128_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "m.safetensors"
    nn.save({"w": nr.ones((2,))}, path)
    before = path.read_bytes()
    state = {"a": nr.ones((3,)), "z": nr.asarray(np.ones((2, 2), np.complex128))}
    with pytest.raises(TypeError) as info:
        nn.save(state, path)
    assert str(info.value).startswith("save: 'z' is a complex128 array (2, 2), which a safetensors checkpoint "
                                      "cannot hold (it holds bool, int8, ")
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]


def _hand_made_file(path, code, item_bytes):
    """Built by hand from the format: an 8-byte little-endian header size, the JSON header, then the data."""
    n = 6 * len(item_bytes)
    header = json.dumps({"half": {"dtype": code, "shape": [3, 2], "data_offsets": [0, n]},
                         "ok": {"dtype": "F32", "shape": [2], "data_offsets": [n, n + 8]}}).encode()
    header += b" " * (-len(header) % 8)
    path.write_bytes(struct.pack("<Q", len(header)) + header + item_bytes * 6 + np.ones(2, np.float32).tobytes())


def test_16_bit_floats_load(tmp_path):
    path = tmp_path / "foreign.safetensors"
    stnp.save_file({"ok": np.ones(2, np.float32), "half": np.full((3, 2), 1.5, np.float16)}, str(path))
    assert nn.load(path)["half"].dtype is nr.float16 and nn.load(path)["half"].tolist() == [[1.5, 1.5]] * 3
    _hand_made_file(path, "BF16", struct.pack("<H", 0x3F80))  # bfloat16 1.0 is 0x3f80
    got = nn.load(path)["half"]
    assert got.dtype is nr.bfloat16 and got.astype(nr.float32).tolist() == [[1.0, 1.0]] * 3


def test_unsupported_dtype_on_load_names_file_and_key(tmp_path):
    path = tmp_path / "foreign.safetensors"
    _hand_made_file(path, "F8_E4M3", b"\x38")  # float8 e4m3 1.0
    with pytest.raises(TypeError) as info:
        nn.load(path)
    assert str(info.value).startswith(f"load: {str(path)!r} holds 'half' as F8_E4M3 (3, 2), a dtype nr arrays "
                                      "cannot hold")


# ---- temporary files -----------------------------------------------------------------------------------------
_BLOCKED_WRITER = textwrap.dedent("""
    import os, sys
    import nr_core as nr, nr_nn as nn
    real_fsync = os.fsync
    def fsync(fd):
        print("writing", flush=True)
        sys.stdin.readline()  # until the parent says go on (or kills us)
        real_fsync(fd)
    os.fsync = fsync
    nn.save({"w": nr.arange(6.0)}, sys.argv[1])
    print("done", flush=True)
""")


def _blocked_writer(path):
    proc = subprocess.Popen([sys.executable, "-c", _BLOCKED_WRITER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    return proc


def test_sigkill_during_save_leaves_no_litter_after_the_next_save(tmp_path):
    proc = _blocked_writer(tmp_path / "a.safetensors")
    try:
        litter = _temps(tmp_path)
        assert len(litter) == 1 and f"-{proc.pid}-" in litter[0]
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert _temps(tmp_path) == litter  # the killed writer left it
    nn.save({"w": nr.ones((2,))}, tmp_path / "b.safetensors")
    assert _temps(tmp_path) == [] and sorted(os.listdir(tmp_path)) == ["b.safetensors"]


def test_a_live_writer_in_another_process_keeps_its_temporary_file(tmp_path):
    proc = _blocked_writer(tmp_path / "a.safetensors")
    try:
        theirs = _temps(tmp_path)
        nn.save({"w": nr.ones((2,))}, tmp_path / "b.safetensors")
        assert _temps(tmp_path) == theirs
        out, _ = proc.communicate("go\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out.strip() == "done" and proc.returncode == 0
    np.testing.assert_array_equal(stnp.load_file(str(tmp_path / "a.safetensors"))["w"], np.arange(6.0))
    assert _temps(tmp_path) == []


def test_a_live_writer_in_another_thread_keeps_its_temporary_file(tmp_path, monkeypatch):
    started, proceed = threading.Event(), threading.Event()
    real_fsync = os.fsync
    writer_thread = []

    def fsync(fd):
        if threading.current_thread() is writer_thread[0]:
            started.set()
            proceed.wait(30)
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    t = threading.Thread(target=nn.save, args=({"w": nr.arange(4.0)}, tmp_path / "a.safetensors"))
    writer_thread.append(t)
    t.start()
    assert started.wait(30)
    theirs = _temps(tmp_path)
    assert len(theirs) == 1
    nn.save({"w": nr.ones((2,))}, tmp_path / "b.safetensors")
    assert _temps(tmp_path) == theirs
    proceed.set()
    t.join(30)
    np.testing.assert_array_equal(nn.load(tmp_path / "a.safetensors")["w"].numpy(), np.arange(4.0))
    assert _temps(tmp_path) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _fake_temps(folder, live_pid: int) -> dict[str, str]:
    """Temporary files as writers would have left them, by what they stand for."""
    host, me, hour_ago = _atomic_write._HOST, os.getpid(), time.time() - 3600
    other_host = f"{(int(host, 16) + 1) % 2**32:08x}"
    names = {"dead writer": f".nr-save-{host}-{_dead_pid()}-0a1b.tmp",
             "live pid": f".nr-save-{host}-{live_pid}-0a1c.tmp",
             "this pid, before this process": f".nr-save-{host}-{me}-0a1d.tmp",
             "this pid, fresh": f".nr-save-{host}-{me}-0a1e.tmp",
             "other host": f".nr-save-{other_host}-{_dead_pid()}-0a1f.tmp",
             "older naming": ".nr-save-k2j4h5g6.tmp",
             "not ours": "notes.tmp"}
    for what, name in names.items():
        (folder / name).write_bytes(b"partial")
        if what == "this pid, before this process":
            os.utime(folder / name, (hour_ago, hour_ago))
    return names


def _swept(folder, names) -> set[str]:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as sleeper:
        try:
            names = _fake_temps(folder, sleeper.pid) if names is None else names
            nn.save({"w": nr.ones((2,))}, folder / "m.safetensors")
        finally:
            sleeper.kill()
    left = set(os.listdir(folder))
    return {what for what, name in names.items() if name not in left}


def test_stale_temporaries_with_locks(tmp_path):
    # an unlocked temporary of this host has no writer, whatever its name says
    assert _swept(tmp_path, None) == {"dead writer", "live pid", "this pid, before this process", "this pid, fresh"}


def test_stale_temporaries_without_locks(tmp_path, monkeypatch):
    def no_flock(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")
    monkeypatch.setattr(_atomic_write, "fcntl", types.SimpleNamespace(flock=no_flock, LOCK_EX=2, LOCK_NB=4))
    assert _swept(tmp_path, None) == {"dead writer", "this pid, before this process"}


def test_a_symlink_with_our_naming_is_not_followed(tmp_path):
    target = tmp_path / "precious.bin"
    target.write_bytes(b"keep me")
    link = tmp_path / f".nr-save-{_atomic_write._HOST}-{_dead_pid()}-0b0b.tmp"
    link.symlink_to(target)
    nn.save({"w": nr.ones((2,))}, tmp_path / "m.safetensors")
    assert link.is_symlink() and target.read_bytes() == b"keep me"


# ---- permissions ---------------------------------------------------------------------------------------------
@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_new_checkpoint_mode_follows_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    path = tmp_path / "m.safetensors"
    plain = tmp_path / "plain.bin"
    with open(plain, "wb") as f:  # the reference: what a plain write gives
        f.write(b"x")
    nn.save({"w": nr.ones((2,))}, path)
    assert os.stat(path).st_mode & 0o777 == os.stat(plain).st_mode & 0o777 == mode


def test_overwriting_keeps_the_existing_mode(tmp_path, umask):
    path = tmp_path / "m.safetensors"
    nn.save({"w": nr.ones((2,))}, path)
    os.chmod(path, 0o600)
    nn.save({"w": nr.zeros((2,))}, path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    np.testing.assert_array_equal(nn.load(path)["w"].numpy(), np.zeros(2))
