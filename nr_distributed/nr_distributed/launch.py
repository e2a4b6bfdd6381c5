"""``launch_threads``: run a function as every rank of an in-process (``threads``) process group."""
from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

import nr_core as nr

from .errors import DistBackendError, DistError
from .group import default_group, destroy_process_group, init_process_group


def launch_threads(fn: Callable[..., Any], world_size: int, args: tuple = (), timeout: float = 60.0) -> list:
    """Call ``fn(*args)`` on ``world_size`` threads, each one rank of a fresh ``threads`` group; return the
    results by rank. A rank that raises aborts the group, so the others stop at their next collective, and
    its exception is re-raised here (as the cause of a DistError naming the rank) once every thread ended."""
    if isinstance(world_size, bool) or not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"launch_threads: world_size must be a positive int, got {world_size!r}")
    if not callable(fn):
        raise TypeError(f"launch_threads: fn must be callable, got {type(fn).__name__}")
    # nr_core discovers its plugins on first use, and two threads doing so at once may see an empty registry
    nr.asarray(0)
    key = f"threads://launch-{uuid.uuid4().hex}"
    results: list = [None] * world_size
    errors: dict[int, BaseException] = {}
    worlds: list = []  # the ranks' shared meeting point: it records which rank failed first

    def rank_main(rank: int) -> None:
        try:
            init_process_group("threads", init_method=key, rank=rank, world_size=world_size, timeout=timeout)
        except BaseException as exc:
            errors[rank] = exc
            return
        group = default_group()
        worlds.append(group.backend.world)
        try:
            results[rank] = fn(*args)
        except BaseException as exc:
            errors[rank] = exc
            group.backend.abort(f"{type(exc).__name__}: {exc}")
        finally:
            try:
                destroy_process_group(group)
            except DistBackendError as exc:  # the group was aborted by a failed peer
                errors.setdefault(rank, exc)

    threads = [threading.Thread(target=rank_main, args=(r,), name=f"nr-rank-{r}", daemon=True)
               for r in range(world_size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        # the root cause: the rank that failed first (raised, or timed out first), not a peer that was told so
        failure = worlds[0].failure if worlds else None
        rank = failure[0] if failure is not None and failure[0] in errors else min(errors)
        exc = errors[rank]
        raise DistError(f"launch_threads: rank {rank} of {world_size} failed: {type(exc).__name__}: {exc}") from exc
    return results
