"""The kit's view of the sample database: every op's samples come with its table entry
(``optable.register(..., samples=)``; nr_core's own in ``nr_core/ops/<family>.py``, plugins' with theirs)."""
from __future__ import annotations

from nr_core.optable import SAMPLES
from nr_core.samples import Sample  # noqa: F401  (the record plugins build their samples with)


def samples_for(op_name: str, dtypes) -> list:
    """Every sample of ``op_name`` restricted to ``dtypes`` (the device's supported dtypes)."""
    gen = SAMPLES.get(op_name)
    return [] if gen is None else list(gen(op_name, dtypes))


def has_samples(op_name: str) -> bool:
    return op_name in SAMPLES
