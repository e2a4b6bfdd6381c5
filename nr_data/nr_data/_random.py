"""Which numpy Generator a sampler, split or transform draws from (global nr state, a seed, or a Generator)."""
from __future__ import annotations

import numbers

import numpy as np
from nr_core import random as _nr_random


def check_generator(generator, where: str):
    """Validate ``generator`` once; ints become a Generator so successive epochs differ but stay reproducible."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, _nr_random.Generator):  # PyTorch's spelling: its NumPy generator, reseeded in place
        return generator.host
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"{where}: generator must be None, an int seed, an nr.Generator or a numpy.random.Generator, "
                    f"got {type(generator).__name__}")


def rng(generator) -> np.random.Generator:
    """The generator to draw from now; ``None`` reads the global state at draw time, so a later
    ``nr.random.seed(n)`` takes effect."""
    return _nr_random.host_generator() if generator is None else generator
