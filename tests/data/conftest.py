"""nr_data tests: every test runs under a SIGALRM deadline, so a hung loader fails instead of hanging the run."""
from __future__ import annotations

import pytest
from nrdata_helpers import time_limit

DEADLINE_S = 120


@pytest.fixture(autouse=True)
def _deadline():
    with time_limit(DEADLINE_S, "test (a DataLoader hangs?)"):
        yield
