"""SIGINT/SIGTERM during ``fit``: the first signal asks the loop to stop at its next safe point (after a batch that
ends an optimizer step), where it saves a last checkpoint; a second one stops at once, without saving."""
from __future__ import annotations

import signal
import threading

SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)


def _raise_for(signum: int):
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)  # what the shell reports for a process ended by that signal


class InterruptGuard:
    """Context manager: ``signum`` is the signal received (None until one arrives)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict = {}

    def __enter__(self) -> "InterruptGuard":
        if threading.current_thread() is threading.main_thread():  # only the main thread may set handlers
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.signum is not None:
            self._restore()
            _raise_for(signum)
        self.signum = signum

    def stop(self) -> None:
        """Leave as the signal would have made the process leave (called once the checkpoint is written)."""
        self._restore()
        _raise_for(self.signum)

    def _restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def __exit__(self, *exc) -> None:
        self._restore()
