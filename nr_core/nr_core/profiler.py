"""``nr.profiler``: where a program's time goes, op by op, forward and backward alike.

``with nr.profiler.profile() as prof: step()`` records every dispatched op (name, backend, device, input
shapes and dtypes, total and self time) through the dispatcher's interception slot, plus each autograd node
the grad engine runs (``region``), into a bounded buffer. Nothing is recorded, and nothing costs, outside the
block: the interceptor is pushed on entry and popped on exit.

``prof.key_averages().table(sort_by="self_time_total")`` aggregates by op name (and input shapes, with
``group_by_input_shape=True``); ``prof.export_chrome_trace(path)`` writes the Chrome trace-event JSON that
Perfetto (ui.perfetto.dev) and chrome://tracing open.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from . import dispatch
from .array_object import Tensor

__all__ = ["Event", "EventAverage", "profile", "record_function", "region"]

_clock = time.perf_counter_ns


@dataclass
class Event:
    """One op call or one region (times in nanoseconds, from the profile's start)."""

    name: str
    kind: str  # "op" (a dispatched op), "backward" (an autograd node), "region" (record_function)
    start: int
    duration: int
    self_time: int
    thread: int
    backend: str = ""
    device: str = ""
    shapes: tuple = ()
    dtypes: tuple = ()


@dataclass
class EventAverage:
    """The events of one key (name, kind, and input shapes when grouped by them), summed up."""

    name: str
    kind: str
    shapes: tuple
    count: int = 0
    time_total: int = 0
    self_time_total: int = 0
    devices: set = field(default_factory=set)

    @property
    def time_avg(self) -> float:
        return self.time_total / self.count if self.count else 0.0


class _Frames(threading.local):
    def __init__(self) -> None:
        self.children: list[int] = []  # per open frame, the time of its finished children so far


class KeyAverages(list):
    """``EventAverage`` rows, with a printable ``table``."""

    _SORT = {"self_time_total": lambda a: -a.self_time_total, "time_total": lambda a: -a.time_total,
             "count": lambda a: -a.count, "time_avg": lambda a: -a.time_avg, "name": lambda a: a.name}

    # PyTorch's spellings of the same keys: its cpu_* columns are host-side times, as all of these are
    _TORCH_KEYS = {"self_cpu_time_total": "self_time_total", "cpu_time_total": "time_total",
                   "cpu_time": "time_avg", "count": "count"}

    def table(self, sort_by: str = "self_time_total", row_limit: int = 50) -> str:
        sort_by = self._TORCH_KEYS.get(sort_by, sort_by)
        if sort_by not in self._SORT:
            raise ValueError(f"key_averages().table: sort_by must be one of {sorted(self._SORT)}, got {sort_by!r}")
        rows = sorted(self, key=self._SORT[sort_by])[:row_limit]
        total_self = sum(a.self_time_total for a in self) or 1
        show_shapes = any(a.shapes for a in rows)
        head = f"{'name':36s} {'kind':9s} {'calls':>7s} {'self ms':>10s} {'self %':>7s} {'total ms':>10s} {'avg us':>9s}"
        lines = [head + ("  input shapes" if show_shapes else ""), "-" * len(head)]
        for a in rows:
            line = (f"{a.name[:36]:36s} {a.kind:9s} {a.count:7d} {a.self_time_total / 1e6:10.3f} "
                    f"{100 * a.self_time_total / total_self:6.1f}% {a.time_total / 1e6:10.3f} "
                    f"{a.time_avg / 1e3:9.1f}")
            lines.append(line + (f"  {a.shapes}" if show_shapes else ""))
        lines.append(f"self time in all: {total_self / 1e6:.3f} ms over {sum(a.count for a in self)} events")
        return "\n".join(lines)


class profile:
    """Record every op and autograd node run inside the block (all threads).

    ``record_shapes``: keep input shapes and dtypes (a little extra cost per op). ``max_events``: the buffer's
    bound; older events are dropped past it (``dropped`` counts them).
    """

    def __init__(self, *, record_shapes: bool = True, max_events: int = 1_000_000) -> None:
        if max_events < 1:
            raise ValueError(f"profile: max_events must be at least 1, got {max_events}")
        self.record_shapes = record_shapes
        self.events: deque[Event] = deque(maxlen=max_events)
        self.dropped = 0
        self._frames = _Frames()
        self._t0 = 0
        self._stack: contextlib.ExitStack | None = None

    # -- the context manager ------------------------------------------------------------------
    def __enter__(self) -> "profile":
        if self._stack is not None:
            raise RuntimeError("profile: this profile is already recording")
        self._t0 = _clock()
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(dispatch.intercepting(self._on_op))
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _ACTIVE.remove(self)
        stack, self._stack = self._stack, None
        stack.close()

    # -- recording ------------------------------------------------------------------------------
    def _record(self, event: Event) -> None:
        if len(self.events) == self.events.maxlen:
            self.dropped += 1
        self.events.append(event)

    def _timed(self, name: str, kind: str, run, inputs=(), device=None):
        """``run()`` as one event; its self time excludes the events that finish inside it (this thread)."""
        frames = self._frames.children
        frames.append(0)
        start = _clock()
        out = None
        try:
            out = run()
            return out
        finally:
            dur = _clock() - start
            children = frames.pop()
            if frames:
                frames[-1] += dur
            self._record(self._event(name, kind, start, dur, dur - children, inputs, device, out))

    def _event(self, name, kind, start, dur, self_time, inputs, device, out) -> Event:
        first = next((t for t in inputs if isinstance(t, Tensor)), None)
        if first is None and isinstance(out, Tensor):  # a creation op: describe what it made
            first, inputs = out, (out,)
        backend = first._backend.name if first is not None else ""
        where = str(device if device is not None else first._device) if first is not None else ""
        shapes = dtypes = ()
        if self.record_shapes and inputs:
            shapes = tuple(tuple(t._data.shape) if isinstance(t, Tensor) else () for t in inputs)
            dtypes = tuple(t._dtype.name if isinstance(t, Tensor) else type(t).__name__ for t in inputs)
        return Event(name, kind, start - self._t0, dur, self_time, threading.get_ident(), backend, where, shapes,
                     dtypes)

    def _on_op(self, op, inputs, params, proceed):
        return self._timed(op.name, "op", lambda: proceed(inputs, params), inputs, params.get("device")
                           if not inputs else None)

    # -- results --------------------------------------------------------------------------------
    def key_averages(self, group_by_input_shape: bool = False) -> KeyAverages:
        rows: dict[tuple, EventAverage] = {}
        for e in self.events:
            key = (e.name, e.kind, e.shapes if group_by_input_shape else ())
            a = rows.get(key)
            if a is None:
                a = rows[key] = EventAverage(e.name, e.kind, key[2])
            a.count += 1
            a.time_total += e.duration
            a.self_time_total += e.self_time
            if e.device:
                a.devices.add(e.device)
        return KeyAverages(rows.values())

    def export_chrome_trace(self, path) -> None:
        """Write the events as Chrome trace-event JSON (complete "X" events, microseconds), atomically."""
        pid = os.getpid()
        trace = [{"name": e.name, "cat": e.kind, "ph": "X", "ts": e.start / 1e3, "dur": e.duration / 1e3,
                  "pid": pid, "tid": e.thread,
                  "args": {"backend": e.backend, "device": e.device, "shapes": [list(s) for s in e.shapes],
                           "dtypes": list(e.dtypes), "self_us": e.self_time / 1e3}} for e in self.events]
        folder = os.path.dirname(os.path.abspath(os.fspath(path)))
        fd, tmp = tempfile.mkstemp(prefix=".nr-trace-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"traceEvents": trace, "displayTimeUnit": "ms",
                           "otherData": {"dropped_events": self.dropped}}, f)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# the profiles recording right now; the grad engine checks it once per node (empty: nothing to do)
_ACTIVE: list[profile] = []


def region(name: str, kind: str, run):
    """``run()`` timed as one event of every active profile (the grad engine wraps each node with it)."""
    if not _ACTIVE:
        return run()
    for prof in _ACTIVE[1:]:
        run = (lambda p, r: lambda: p._timed(name, kind, r))(prof, run)
    return _ACTIVE[0]._timed(name, kind, run)


@contextlib.contextmanager
def record_function(name: str):
    """Mark a span of user code (``with nr.profiler.record_function("data"):``) in the active profiles."""
    profiles = list(_ACTIVE)
    for prof in profiles:
        prof._frames.children.append(0)
    start = _clock()
    try:
        yield
    finally:
        dur = _clock() - start
        for prof in profiles:
            frames = prof._frames.children
            children = frames.pop()
            if frames:
                frames[-1] += dur
            prof._record(Event(name, "region", start - prof._t0, dur, dur - children, threading.get_ident()))
