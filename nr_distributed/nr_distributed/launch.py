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
    first_failed: list[int] = []  # the rank the group recorded as failing first (a timeout has no own error)

    def rank_main(rank: int) -> None:
        try:
            init_process_group("threads", init_method=key, rank=rank, world_size=world_size, timeout=timeout)
        except BaseException as exc:
            errors[rank] = exc
            return
        group = default_group()
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
            failure = group.backend.world.failure
            if failure is not None and not first_failed:
                first_failed.append(failure[0])

    threads = [threading.Thread(target=rank_main, args=(r,), name=f"nr-rank-{r}", daemon=True)
               for r in range(world_size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        # the root cause is the rank whose error is its own, not a peer's "rank k failed" notice
        own = {r: e for r, e in errors.items() if not isinstance(e, DistBackendError)}
        if not own and first_failed and first_failed[0] in errors:
            own = {first_failed[0]: errors[first_failed[0]]}
        rank = min(own or errors)
        own = own or errors
        exc = own[rank]
        raise DistError(f"launch_threads: rank {rank} of {world_size} failed: {type(exc).__name__}: {exc}") from exc
    return results
