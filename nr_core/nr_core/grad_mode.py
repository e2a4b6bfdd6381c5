"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, usable as context managers and decorators."""
from __future__ import annotations

import functools
import threading


class _GradState(threading.local):
    # thread-local like PyTorch's: a DataLoader thread or a user thread does not flip the caller's mode
    enabled = True


state = _GradState()


def is_grad_enabled() -> bool:
    return state.enabled


class _GradSwitch:
    """Base of the three switches: sets the mode on enter, restores it on exit."""

    _mode: bool

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = state.enabled
            state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev
        return wrapper


class no_grad(_GradSwitch):
    """Turn graph recording off inside the block."""
    _mode = False


class enable_grad(_GradSwitch):
    """Turn graph recording on inside the block (e.g. within ``no_grad``)."""
    _mode = True


class set_grad_enabled(_GradSwitch):
    """Set grad mode to ``mode``; takes effect immediately, like PyTorch's, and is restored on exit when used with ``with``."""

    def __init__(self, mode: bool):
        self._prev = state.enabled
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        state.enabled = self._prev  # used as a decorator: the mode applies inside calls only
        return super().__call__(fn)


class inference_mode(_GradSwitch):
    """PyTorch's ``inference_mode``: here the same as ``no_grad`` (``inference_mode(False)`` leaves grad mode on)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode
