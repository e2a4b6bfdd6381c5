"""Which Dask scheduler computes the arrays of the ``dask`` device.

By default: the client of a ``dask.distributed`` cluster when the user has made one (``Client(...)`` registers
itself as the default client), else Dask's threaded scheduler. ``set_scheduler`` pins a choice.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator

_NAMES = ("threads", "synchronous", "processes")
_pinned: list[Any] = [None]  # None: the automatic choice above


def _check(choice: Any) -> None:
    if choice is None or choice in _NAMES or hasattr(choice, "get") and hasattr(choice, "submit"):
        return
    raise ValueError(f"set_scheduler: expected one of {', '.join(map(repr, _NAMES))}, a dask.distributed.Client "
                     f"or None (automatic), got {choice!r}")


def set_scheduler(choice: Any) -> None:
    """Pin the scheduler: ``"threads"``, ``"synchronous"``, ``"processes"``, a ``distributed.Client``, or None for
    the automatic choice (the default client of a running cluster, else threads)."""
    _check(choice)
    _pinned[0] = choice


@contextlib.contextmanager
def scheduler(choice: Any) -> Iterator[None]:
    """``set_scheduler(choice)`` for the duration of a ``with`` block."""
    _check(choice)
    before = _pinned[0]
    _pinned[0] = choice
    try:
        yield
    finally:
        _pinned[0] = before


def _default_client():
    # only a program that imported distributed can have a client: never import it ourselves
    if "distributed" not in sys.modules:
        return None
    from distributed import default_client
    try:
        return default_client()
    except ValueError:  # "No clients found"
        return None


def current() -> Any:
    """The scheduler the next computation uses (a name or a Client)."""
    pinned = _pinned[0]
    if pinned is not None:
        return pinned
    return _default_client() or "threads"


def describe() -> str:
    got = current()
    if isinstance(got, str):
        return {"threads": "Dask's threaded scheduler", "synchronous": "Dask's synchronous scheduler",
                "processes": "Dask's multiprocessing scheduler"}[got]
    return f"distributed client at {getattr(got.scheduler, 'address', '?')}"


def compute(*arrays):
    """The arrays' values (NumPy arrays), computed in one pass of the current scheduler."""
    import dask
    return dask.compute(*arrays, scheduler=current())


def persist(*arrays):
    """The arrays, with their chunks computed and kept (in this process, or on the cluster's workers)."""
    import dask
    return dask.persist(*arrays, scheduler=current())
