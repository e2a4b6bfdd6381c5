"""The one test body every family module shares: run a sample on the device, compare with NumPy."""
from __future__ import annotations

from .checks import assert_matches, to_device


def run_sample(sample, nr_device) -> None:
    out = sample.nr_call(*to_device(sample.args, nr_device))
    expected = sample.np_call(*sample.args)
    assert_matches(sample, out, expected)
