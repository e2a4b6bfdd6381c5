"""Linear algebra of the op table on the device under test, against NumPy."""
from nr_core.testing._run import run_sample

KINDS = {"linalg"}


def test_op(sample, nr_device):
    run_sample(sample, nr_device)
