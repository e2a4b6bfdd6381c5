"""Large elementwise ops and full sums on several cores. NumPy runs a ufunc on one thread; PyTorch splits big
ones over its intra-op pool. Here an op over at least ``MIN_SIZE`` elements is cut into one contiguous slab per
thread, each computed by the same ufunc (which releases the GIL) into its slice of one output: the same
elements, the same rounding, so results are bit-identical to the single-thread call.

The thread count is ``NR_NUM_THREADS`` (nr_core.settings) or the cores this process may run on, changed by
``set_threads`` (``torch.set_num_threads`` under neurarust).
"""
from __future__ import annotations

import ctypes
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from nr_core import settings

from . import native

# elements below which one thread wins. A slab handed to a worker costs 10-20 us of wake-up and join, but the
# split pays only once the arrays outgrow what one core's caches hold: on an AVX-512 Xeon (2 cores, 4 MiB L2 each)
# a float32 add of 256K elements took 110 us on one thread and 171 on two, even at 800K, 461 against 411 at 1M and
# 1969 against 1092 at 4M (on a Zen 3 the break-even was near 256K)
MIN_SIZE = 1 << 20
# a full sum runs on BLAS's threads (``total``), which pay from fewer elements
SUM_MIN_SIZE = 1 << 18

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_threads = settings.num_threads()


def threads() -> int:
    return _threads


def set_threads(n: int) -> None:
    """Use ``n`` threads (1: everything on the calling thread) for the rest of the process."""
    global _threads, _pool
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_threads: expected a positive int, got {n!r}")
    with _lock:
        _threads = n
        old, _pool = _pool, None
    if old is not None:
        old.shutdown(wait=False)


def _forget_pool() -> None:
    # a forked child (DataLoader workers) has none of the parent's threads: a pool inherited from it would take
    # work and never run it
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_threads - 1, thread_name_prefix="nr-cpu")
        return _pool


def _submit(fn, *args, **kwargs):
    """``fn`` on a worker, under the caller's NumPy error state (thread-local: a worker would otherwise warn
    where the caller silenced, as the grad engine does, or stay silent where it asked to raise)."""
    return _executor().submit(_with_errstate, np.geterr(), fn, args, kwargs)


def _with_errstate(err, fn, args, kwargs):
    with np.errstate(**err):
        return fn(*args, **kwargs)


def _slabs(n: int, align: int = 64):
    parts = _threads
    step = -(-n // parts)
    step += -step % align  # whole cache lines per slab of elements, so no two threads write one line
    return [(i, min(i + step, n)) for i in range(0, n, step)]


# a slab function makes many short NumPy calls (an optimizer's update: about a dozen), and each needs the GIL to
# start, so threads convoy on small slabs: measured on 2 cores, Adam on 2.4M float32 takes 3.6 ms on 2 threads
# against 7.9 on one, even at 262K elements, and SGD at 262K 0.24 ms against 0.13
MIN_SLAB = 1 << 19


# elements per block of a slab function: its dozen passes then run over five or so arrays of 512 KiB, mostly
# inside the L2 cache, instead of streaming whole parameters through memory once per pass (measured on 2 cores:
# Adam on a 784x256 float32 weight 0.43 -> 0.36 ms, on 512x512x3x3 7.9 -> 3.1 ms with both threads; blocks of
# 16K elements cost more in NumPy calls than they save)
BLOCK = 1 << 17


def _blocked(fn, flat, lo: int, hi: int) -> None:
    for i in range(lo, hi, BLOCK):
        j = min(i + BLOCK, hi)
        fn(*(None if a is None else a[i:j] for a in flat))


def for_slabs(fn, arrays) -> None:
    """``fn`` over ``arrays`` (equal shapes; None entries pass through as None) in cache-sized blocks, the blocks
    of large arrays shared among the threads; one call on the whole arrays when they are not all C-contiguous."""
    lead = arrays[0]
    live = [a for a in arrays if a is not None]
    if lead.size <= BLOCK or any(type(a) is not np.ndarray or a.shape != lead.shape or not a.flags.c_contiguous
                                 for a in live):
        fn(*arrays)
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    if _threads == 1 or lead.size < MIN_SLAB:
        _blocked(fn, flat, 0, lead.size)
        return
    slabs = _slabs(lead.size)
    futures = [_submit(_blocked, fn, flat, i, j) for i, j in slabs[1:]]
    try:
        _blocked(fn, flat, *slabs[0])
    finally:
        for f in futures:
            f.result()


def binary(ufunc):
    """``ufunc(x1, x2)``, split over the threads when x1 is C-contiguous and of the output's shape: in contiguous
    slabs when x2 has that shape too, in blocks of x1's leading axis when x2 broadcasts against it (a bias or a
    per-channel scale: x2's rows go along where it has x1's leading size, x2 whole where it has one row).
    Equal float32/float64 operands of add, subtract, multiply or divide go to the compiled loop (``_compiled``)."""
    code = ARITHMETIC.get(ufunc.__name__)

    def kernel(x1, x2):
        if (_threads > 1 and type(x1) is np.ndarray and type(x2) is np.ndarray and x1.size >= MIN_SIZE
                and x1.flags.c_contiguous):
            if x1.shape == x2.shape and x2.flags.c_contiguous:
                dt = ufunc.resolve_dtypes((x1.dtype, x2.dtype, None))[2]
                out = np.empty(x1.shape, dt)
                if not (code is not None and x1.dtype == x2.dtype == dt and dt.char in "fd"
                        and _compiled(code, ufunc, x1, x2, out)):
                    _split(ufunc, x1.reshape(-1), x2.reshape(-1), out.reshape(-1), _slabs(out.size), True)
                return out
            if x1.ndim and x1.shape[0] >= _threads and x2.ndim <= x1.ndim:
                try:
                    shape = np.broadcast_shapes(x1.shape, x2.shape)
                except ValueError:
                    shape = None  # the ufunc call below raises NumPy's error
                if shape == x1.shape:
                    dt = ufunc.resolve_dtypes((x1.dtype, x2.dtype, None))[2]
                    out = np.empty(x1.shape, dt)
                    rows = x2.ndim == x1.ndim and x2.shape[0] == x1.shape[0]
                    _split(ufunc, x1, x2, out, _slabs(x1.shape[0], align=1), rows)
                    return out
        return ufunc(x1, x2)
    kernel.__name__ = ufunc.__name__
    return kernel


def _split(ufunc, a, b, out, slabs, slice_b):
    """``out[i:j] = ufunc(a[i:j], b[i:j] or b)`` for each slab, the first on this thread."""
    futures = [_submit(ufunc, a[i:j], b[i:j] if slice_b else b, out=out[i:j]) for i, j in slabs[1:]]
    i, j = slabs[0]
    try:
        ufunc(a[i:j], b[i:j] if slice_b else b, out=out[i:j])
    finally:
        for f in futures:
            f.result()


# the compiled loops' operation codes (native_arithmetic.c)
ARITHMETIC = {"add": 0, "subtract": 1, "multiply": 2, "divide": 3}
_ARITHMETIC_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native_arithmetic.c")
# outputs from this size on are written with streaming stores: they outgrow a core's L2 (4 MiB on the Xeon measured:
# a*b+c over 1M float32 on two threads 1.52 -> 1.13 ms, over 4M 7.2 -> 5.0; at 256K plain stores win)
STREAM_BYTES = 1 << 22
_binary_fn: list = []  # [the library, its nr_binary with argtypes set], filled on first use


def _compiled(code: int, ufunc, x1, x2, out) -> bool:
    """``out[...] = x1 (op) x2`` in the compiled loop, one slab per thread; False where it is not built. A slab
    that raised a floating-point exception hands the whole op back to ``ufunc``, so NumPy's error state decides
    what follows (a warning, an error or nothing), as it would have without the loop."""
    lib = native.library(_ARITHMETIC_C)
    if lib is None or not (x1.flags.aligned and x2.flags.aligned):
        return False
    if not _binary_fn or _binary_fn[0] is not lib:
        fn = lib.nr_binary
        fn.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                       ctypes.c_long, ctypes.c_long, ctypes.c_int)
        fn.restype = ctypes.c_int
        _binary_fn[:] = [lib, fn]
    fn = _binary_fn[1]
    args = (code, out.dtype.char == "d", x1.ctypes.data, x2.ctypes.data, out.ctypes.data)
    stream = out.nbytes >= STREAM_BYTES
    slabs = _slabs(out.size)
    futures = [_executor().submit(fn, *args, i, j, stream) for i, j in slabs[1:]]  # ctypes drops the GIL
    raised = 0
    try:
        raised = fn(*args, *slabs[0], stream)
    finally:
        for f in futures:
            raised |= f.result()
    if raised:
        ufunc(x1, x2, out=out)
    return True


# a full float sum as one matrix-vector product with ones: BLAS reads the array once with wide vector
# accumulators on its threads (numpy's pairwise sum is one thread); rows of ROW elements keep each dot short,
# so the rounding stays that of a pairwise-like tree (ROW-long dots, then numpy's pairwise sum of the dots)
ROW = 4096
_ONES: dict = {}


def total(x):
    """``x.sum()`` of a C-contiguous float32/float64 array of at least SUM_MIN_SIZE elements, else None."""
    if (type(x) is not np.ndarray or x.size < SUM_MIN_SIZE or x.dtype.char not in "fd"
            or not x.flags.c_contiguous):
        return None
    ones = _ones(ROW, x.dtype)
    flat = x.reshape(-1)
    head = flat.size - flat.size % ROW
    partial = np.add.reduce(np.matmul(flat[:head].reshape(-1, ROW), ones))
    return partial + np.add.reduce(flat[head:]) if head < flat.size else partial


# the longest dot an axis sum hands BLAS: its vector accumulators keep a 16K-term float32 dot near a pairwise sum's
# accuracy; longer runs stay with NumPy
LONGEST_DOT = 1 << 14


def axis_total(x, axes: tuple):
    """``x.sum(axis=axes)`` as one or two matrix-vector products with ones where the summed axes are a leading
    block, a trailing block or both (a conv bias's gradient: (N, C, H, W) over (0, 2, 3)) of a C-contiguous float
    array of at least SUM_MIN_SIZE elements; else None. NumPy reduces a leading axis by adding rows one after
    another and a short trailing one slowly; BLAS reads the array once, on its threads."""
    if (type(x) is not np.ndarray or x.size < SUM_MIN_SIZE or x.dtype.char not in "fd"
            or not x.flags.c_contiguous):
        return None
    nd = x.ndim
    ax = sorted({a % nd for a in axes})
    lead = 0
    while lead < len(ax) and ax[lead] == lead:
        lead += 1
    trail = len(ax) - lead
    if ax[lead:] != list(range(nd - trail, nd)) or lead + trail in (0, nd):
        return None
    kept = x.shape[lead:nd - trail]
    rows, cols = math.prod(x.shape[:lead]), math.prod(x.shape[nd - trail:])
    if rows > LONGEST_DOT or cols > LONGEST_DOT:
        return None
    r = x.reshape(rows, -1)
    r = np.matmul(_ones(rows, x.dtype), r) if rows > 1 else r.reshape(-1)
    if cols > 1:
        r = np.matmul(r.reshape(-1, cols), _ones(cols, x.dtype))
    return r.reshape(kept)


def _ones(n, dtype):
    ones = _ONES.get(dtype.char)
    if ones is None or ones.size < n:
        ones = _ONES[dtype.char] = np.ones(max(n, ROW), dtype)
    return ones[:n]
