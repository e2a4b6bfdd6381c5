"""Every environment variable nr_core reads, in one place (read when needed, so tests can set them)."""
from __future__ import annotations

import os


def selected_plugins() -> set[str] | None:
    """``NR_PLUGINS=a,b``: load only these entry points (``NR_PLUGINS=`` loads none); unset: all."""
    value = os.environ.get("NR_PLUGINS")
    return None if value is None else {s.strip() for s in value.split(",") if s.strip()}


def strict_plugins() -> bool:
    """``NR_STRICT_PLUGINS=1``: a failing plugin raises instead of being listed as broken."""
    return os.environ.get("NR_STRICT_PLUGINS") == "1"


def debug_plugins() -> bool:
    """``NR_DEBUG_PLUGINS=1``: print the traceback of every plugin failure to stderr."""
    return os.environ.get("NR_DEBUG_PLUGINS") == "1"


def plugin_timeout() -> float:
    """``NR_PLUGIN_TIMEOUT`` (seconds, default 10): how long a plugin's import or a backend's probe may take."""
    value = os.environ.get("NR_PLUGIN_TIMEOUT", "")
    try:
        return max(float(value), 0.01) if value.strip() else 10.0
    except ValueError:
        raise ValueError(f"NR_PLUGIN_TIMEOUT must be a number of seconds, got {value!r}") from None


def default_device_spec() -> tuple[str, bool]:
    """(``NR_DEFAULT_DEVICE`` or "cpu", whether it came from the variable)."""
    value = os.environ.get("NR_DEFAULT_DEVICE", "").strip()
    return (value, True) if value else ("cpu", False)


def preferred_grad_engine() -> str | None:
    """``NR_GRAD_ENGINE=name``: which registered grad engine to use when several are installed."""
    return os.environ.get("NR_GRAD_ENGINE") or None


def num_threads() -> int:
    """``NR_NUM_THREADS``: threads the CPU backend splits large elementwise ops over (default: the cores this
    process may run on)."""
    value = os.environ.get("NR_NUM_THREADS", "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            raise ValueError(f"NR_NUM_THREADS must be a positive integer, got {value!r}") from None
        if n < 1:
            raise ValueError(f"NR_NUM_THREADS must be a positive integer, got {value!r}")
        return n
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def native_kernels() -> bool:
    """``NR_NATIVE=0``: the CPU backend compiles no C kernels and runs every op through NumPy (default: on where a
    C compiler is found)."""
    return os.environ.get("NR_NATIVE", "").strip() != "0"


def c_compiler() -> str:
    """``CC``: the C compiler the CPU backend's kernels are built with (default ``cc``)."""
    return os.environ.get("CC", "").strip() or "cc"


def cache_dir() -> str:
    """``NR_CACHE_DIR``: where compiled kernels are kept (default ``$XDG_CACHE_HOME/neurarust`` or
    ``~/.cache/neurarust``)."""
    value = os.environ.get("NR_CACHE_DIR", "").strip()
    if value:
        return value
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "neurarust")


def malloc_tuning() -> bool:
    """``NR_MALLOC_TUNE=0``: the CPU backend leaves glibc's malloc thresholds as they are (default: it keeps large
    freed buffers for reuse, see ``nr_backend_cpu.allocator``; also left alone where ``MALLOC_MMAP_THRESHOLD_`` or
    ``MALLOC_TRIM_THRESHOLD_`` is set, the user's own tuning)."""
    if os.environ.get("NR_MALLOC_TUNE", "").strip() == "0":
        return False
    return not any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"))
