"""The per-chunk memory budget: an op whose result would have a chunk larger than the budget is refused while its
graph is built, before anything runs (after Cubed, which plans against a memory bound per task).

Default 512 MiB (four of Dask's default 128 MiB chunks); ``NR_DASK_CHUNK_BUDGET`` (bytes, or "256 MiB") sets it at
start-up, ``set_chunk_budget`` or ``with chunk_budget(n):`` later; None switches the check off.
"""
from __future__ import annotations

import contextlib
import math
import os
from typing import Iterator

ENV = "NR_DASK_CHUNK_BUDGET"
DEFAULT = 512 * 2**20


class ChunkBudgetError(MemoryError):
    """An op would make chunks larger than the dask device's per-chunk memory budget."""


def _parse(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        from dask.utils import parse_bytes
        try:
            value = parse_bytes(value)
        except (ValueError, KeyError):
            raise ValueError(f"{where}: expected a number of bytes such as 268435456 or '256 MiB', got {value!r}") \
                from None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where}: the budget must be a positive number of bytes or None, got {value!r}")
    return value


def _from_env() -> int | None:
    raw = os.environ.get(ENV)
    return DEFAULT if raw is None or not raw.strip() else _parse(raw.strip(), f"{ENV}={raw!r}")


_budget: list[int | None] = [_from_env()]


def get_chunk_budget() -> int | None:
    """The budget in bytes (None: unchecked)."""
    return _budget[0]


def set_chunk_budget(nbytes: int | str | None) -> None:
    """Set the per-chunk budget: bytes, a string such as ``"64 MiB"``, or None to stop checking."""
    _budget[0] = _parse(nbytes, "set_chunk_budget")


@contextlib.contextmanager
def chunk_budget(nbytes: int | str | None) -> Iterator[None]:
    """The budget for the duration of a ``with`` block."""
    before = _budget[0]
    _budget[0] = _parse(nbytes, "chunk_budget")
    try:
        yield
    finally:
        _budget[0] = before


@contextlib.contextmanager
def automatic_chunks() -> Iterator[None]:
    """Within the block, Dask's automatic chunks (``chunks="auto"``) stay within the budget too."""
    import dask
    from dask.utils import parse_bytes
    limit = parse_bytes(dask.config.get("array.chunk-size"))
    if _budget[0] is not None and _budget[0] < limit:
        with dask.config.set({"array.chunk-size": _budget[0]}):
            yield
    else:
        yield


def largest_chunk(chunks) -> tuple | None:
    """The shape of the largest chunk, per axis; None when a chunk size is unknown (NaN)."""
    out = []
    for sizes in chunks:
        if any(math.isnan(s) for s in sizes):
            return None
        out.append(max(sizes) if sizes else 0)
    return tuple(out)


def check(op: str, array) -> None:
    """Refuse ``array`` (the graph an op just built) when one of its chunks exceeds the budget."""
    budget = _budget[0]
    if budget is None:
        return
    shape = largest_chunk(array.chunks)
    if shape is None:
        return
    nbytes = math.prod(shape) * array.dtype.itemsize
    if nbytes > budget:
        raise ChunkBudgetError(
            f"{op}: a chunk of shape {shape} ({array.dtype}, {nbytes:,} bytes) exceeds the dask device's per-chunk "
            f"memory budget of {budget:,} bytes; use smaller chunks (chunks= on creation, to_device('dask', "
            f"chunks=...)) or raise the budget (nr_backend_dask.set_chunk_budget, {ENV})")
