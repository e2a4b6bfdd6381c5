"""nr_distributed tests: a SIGALRM deadline per test, so a hung collective fails the test instead of the run."""
from __future__ import annotations

import signal

import pytest

DEADLINE_S = 120


@pytest.fixture(autouse=True)
def _deadline():
    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded {DEADLINE_S} s: a collective hangs")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(DEADLINE_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
