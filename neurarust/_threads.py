"""``torch.set_num_threads``/``get_num_threads``: the CPU backend's threads (BLAS's, through threadpoolctl, and
its own for large elementwise ops)."""
from __future__ import annotations

import os

from threadpoolctl import ThreadpoolController


def _blas():
    # scanned per call (a rare one): it sees the BLAS libraries loaded by then, and costs nothing at import
    return ThreadpoolController().select(user_api="blas")


def set_num_threads(n: int) -> None:
    """Limit the BLAS libraries NumPy uses (matmul, conv) and the CPU backend's elementwise threads to ``n`` for
    the rest of the process."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _blas().limit(limits=n)
    try:
        from nr_backend_cpu import parallel
    except ImportError:  # no CPU backend installed: BLAS is all there is
        return
    parallel.set_threads(n)


def get_num_threads() -> int:
    """The BLAS thread count (the CPU count where no BLAS library with threads is loaded)."""
    counts = [lib.num_threads for lib in _blas().lib_controllers]
    return max(counts) if counts else os.cpu_count() or 1
