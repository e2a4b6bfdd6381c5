"""Shape and view ops of the op table on the device under test, against NumPy."""
from nr_core.testing._run import run_sample

KINDS = {"shape"}


def test_op(sample, nr_device):
    run_sample(sample, nr_device)
