"""The CPU backend's compiled host kernels: built once into the cache, loaded, and switched off cleanly."""
import os
import shutil
import warnings

import pytest

from nr_backend_cpu import native
from nr_core import settings

needs_cc = pytest.mark.skipif(shutil.which(settings.c_compiler()) is None, reason="no C compiler")

SOURCE = "long nr_test_twice(long x) { return 2 * x; }\n"


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder and no libraries loaded yet."""
    monkeypatch.setenv("NR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(native, "_built", {})
    src = tmp_path / "twice.c"
    src.write_text(SOURCE)
    return src


@needs_cc
def test_builds_once_into_the_cache_and_loads(fresh, tmp_path):
    lib = native.library(str(fresh))
    assert lib is not None and lib.nr_test_twice(21) == 42
    built = os.listdir(tmp_path / "cache")
    assert len(built) == 1 and built[0].startswith("twice-") and built[0].endswith(".so")  # no temporary left
    assert native.library(str(fresh)) is lib
    native._built.clear()  # a new process: the cached file is loaded, not rebuilt
    mtime = os.path.getmtime(tmp_path / "cache" / built[0])
    assert native.library(str(fresh)).nr_test_twice(5) == 10
    assert os.path.getmtime(tmp_path / "cache" / built[0]) == mtime


@needs_cc
def test_a_changed_source_builds_a_new_library(fresh, tmp_path):
    native.library(str(fresh))
    fresh.write_text(SOURCE.replace("2 * x", "3 * x"))
    native._built.clear()
    assert native.library(str(fresh)).nr_test_twice(5) == 15
    assert len(os.listdir(tmp_path / "cache")) == 2


def test_off_switch(fresh, monkeypatch):
    monkeypatch.setenv("NR_NATIVE", "0")
    assert native.library(str(fresh)) is None


def test_missing_compiler_logs_once_and_falls_back(fresh, monkeypatch, caplog):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a suite that makes warnings errors still runs the op
        assert native.library(str(fresh)) is None
        assert native.library(str(fresh)) is None
    logged = [r for r in caplog.records if r.name == "nr_backend_cpu"]
    assert len(logged) == 1 and "no C compiler" in logged[0].getMessage()


@needs_cc
def test_a_failing_build_logs_and_leaves_nothing(fresh, tmp_path, caplog):
    fresh.write_text("this is not C\n")
    assert native.library(str(fresh)) is None
    assert any("failed" in r.getMessage() for r in caplog.records if r.name == "nr_backend_cpu")
    assert os.listdir(tmp_path / "cache") == []


@needs_cc
def test_an_unwritable_cache_folder_falls_back_to_the_temporary_folder(fresh, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("NR_CACHE_DIR", str(blocker / "sub"))  # below a file: cannot be created
    monkeypatch.setattr(native.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    assert native.library(str(fresh)).nr_test_twice(4) == 8


def test_the_base_backend_runs_no_host_code():
    from nr_core.ndarray_backend import NdarrayBackend
    assert NdarrayBackend.native(None, "any.c") is None
