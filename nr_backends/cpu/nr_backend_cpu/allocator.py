"""glibc malloc tuned so that a training step reuses its large buffers instead of asking the kernel for fresh pages.

glibc serves a large request from the heap once a freed block of that size taught it to (its dynamic mmap
threshold), but it gives the heap's free top back to the kernel whenever that exceeds twice the threshold. A step
that frees its temporaries together (``a * b + c``: two 16 MiB arrays) then trims, and the next step faults every
page in again: measured on a 2-core Xeon, ``a * b + c`` over 4M float32 took 10-14 ms, against 5-7 with the heap
kept. ``tune()`` fixes the mmap threshold at glibc's own dynamic ceiling (32 MiB) and keeps up to ``KEEP_BYTES``
of free heap top: the steady state of a process that has seen large arrays, without the trimming in between.
Larger arrays are still mapped and unmapped on their own. A no-op off glibc, under ``NR_MALLOC_TUNE=0`` or where
the user set glibc's own ``MALLOC_*_THRESHOLD_`` variables (nr_core.settings.malloc_tuning).
"""
from __future__ import annotations

import ctypes
import platform

from nr_core import settings

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_BYTES = 32 << 20
KEEP_BYTES = 256 << 20

_tuned: list = []


def tune() -> bool:
    """Apply the thresholds once per process; True where they are in force."""
    if not _tuned:
        _tuned.append(_apply())
    return _tuned[0]


def _apply() -> bool:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or not settings.malloc_tuning():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, KEEP_BYTES))
