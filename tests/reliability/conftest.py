"""Reliability tests: bad input, faults and long runs. Each test runs under a deadline so that a hang fails it; the
loader tests reuse the process-table and shared-memory helpers of tests/data."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "data"))

from nrdata_helpers import time_limit  # noqa: E402

DEADLINE_S = 90


@pytest.fixture(autouse=True)
def _deadline():
    with time_limit(DEADLINE_S, "reliability test (a hang?)"):
        yield
