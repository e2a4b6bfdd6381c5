"""Reliability tests: bad input, faults and long runs. Each test runs under a deadline so that a hang fails it; the
tests reuse the process-table and shared-memory helpers of tests/data and the torch parity harness of tests/nn."""
from __future__ import annotations

import os
import sys

import pytest

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(_TESTS, "data"), os.path.join(_TESTS, "nn")]

from nrdata_helpers import time_limit  # noqa: E402

DEADLINE_S = 90


@pytest.fixture(autouse=True)
def _deadline():
    with time_limit(DEADLINE_S, "reliability test (a hang?)"):
        yield
