"""nr_data tests: every test runs under a SIGALRM deadline, so a hung loader fails instead of hanging the run."""
from __future__ import annotations

import signal

import pytest

DEADLINE_S = 120


@pytest.fixture(autouse=True)
def _deadline():
    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded {DEADLINE_S} s: a DataLoader hangs")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(DEADLINE_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
