"""Ops that plugins add to the op table (nn, fft, …), with the samples they registered, against their references."""
from nr_core.testing._run import run_sample

KINDS = "unclaimed"


def test_op(sample, nr_device):
    run_sample(sample, nr_device)
