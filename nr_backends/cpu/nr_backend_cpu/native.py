"""C kernels for the host: compiled from the source a kernel module ships, on first use, and kept in a cache.

Some work is many short NumPy calls where one loop would do (an LSTM step's gate arithmetic: about ten ufunc calls
of mostly fixed cost). For those a kernel module ships a C file; ``library(path)`` builds it once per source,
compiler and CPU into ``settings.cache_dir()`` with the host's C compiler (``-march=native``: the CPU is the one
it runs on), loads it with ctypes (which releases the GIL during each call) and returns it. The build writes a
temporary name and renames it, so a crash or a second process building the same library at once never leaves a
half-written file. None when kernels are off (``NR_NATIVE=0``), the source is not a file, no compiler runs or the
build fails (logged once per source as a warning of the ``nr_backend_cpu`` logger, not a Python warning: a test
suite that turns warnings into errors must not fail an op over a slower path): the caller then takes its NumPy
path, which stays the reference.
"""
from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import subprocess
import tempfile
import threading

from nr_core import settings

# no -ffast-math: it would let the compiler drop NaN tests and reorder sums; no contraction of a product and an
# add into one fused operation, so a kernel doing NumPy's operations in NumPy's order gets NumPy's bits
FLAGS = ("-O3", "-march=native", "-fPIC", "-shared", "-fno-math-errno", "-ffp-contract=off")
BUILD_TIMEOUT_S = 120

_log = logging.getLogger("nr_backend_cpu")
_lock = threading.Lock()
_built: dict = {}  # (path, compiler) -> CDLL or None


def _fresh_lock() -> None:
    # a child forked while another thread was building (DataLoader workers) would inherit the lock held forever
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_fresh_lock)


def library(path: str):
    """The loaded library of the C source at ``path``, or None (see the module docstring)."""
    if not settings.native_kernels():
        return None
    key = (path, settings.c_compiler())
    try:
        return _built[key]
    except KeyError:
        pass
    with _lock:
        if key not in _built:
            _built[key] = _load(path, key[1])
        return _built[key]


def _cpu_tag() -> str:
    """What ``-march=native`` depends on: the CPU's model and feature flags where the OS tells them."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            lines = [ln for ln in f.read(1 << 16).splitlines() if ln.startswith(("model name", "flags"))][:2]
        return "\n".join(lines)
    except OSError:
        return platform.processor() or platform.machine()


def _load(path: str, cc: str):
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        _warn(path, f"cannot read the source: {e}")
        return None
    digest = hashlib.sha256(b"\0".join([source, cc.encode(), " ".join(FLAGS).encode(), _cpu_tag().encode(),
                                        platform.machine().encode()])).hexdigest()[:24]
    name = f"{os.path.splitext(os.path.basename(path))[0]}-{digest}.so"
    user = getattr(os, "getuid", lambda: "user")()  # no uid on Windows
    for folder in (settings.cache_dir(), os.path.join(tempfile.gettempdir(), f"neurarust-{user}")):
        target = os.path.join(folder, name)
        if not os.path.exists(target):
            try:
                _build(path, cc, folder, target)
            except OSError:
                continue  # an unwritable cache folder: try the next
            except (subprocess.SubprocessError, RuntimeError) as e:
                _warn(path, str(e))
                return None
        try:
            return ctypes.CDLL(target)
        except OSError as e:
            _warn(path, f"cannot load {target}: {e}")
            return None
    _warn(path, "no writable cache folder")
    return None


def _build(path: str, cc: str, folder: str, target: str) -> None:
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".so", dir=folder)
    os.close(fd)
    try:
        try:
            done = subprocess.run([cc, *FLAGS, "-o", tmp, path], capture_output=True, text=True,
                                  timeout=BUILD_TIMEOUT_S)
        except FileNotFoundError:
            raise RuntimeError(f"no C compiler {cc!r} (set CC, or NR_NATIVE=0 to stop trying)") from None
        if done.returncode:
            raise RuntimeError(f"{cc} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _warn(path: str, why: str) -> None:
    _log.warning("compiled kernels of %s unavailable, using NumPy: %s", os.path.basename(path), why)
