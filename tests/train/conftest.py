"""Fixtures of the nr_train tests."""
from __future__ import annotations

import pytest

import nr_core as nr


@pytest.fixture
def seeded():
    nr.random.seed(0)
