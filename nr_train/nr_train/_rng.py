"""Every random state a training run draws from, captured and restored as one value: nr's global host generator
(shuffling, dropout, initialisation), Python's ``random`` and NumPy's legacy global (user transforms)."""
from __future__ import annotations

import random

import numpy as np

import nr_core as nr


def seed_everything(seed: int) -> None:
    nr.random.seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)


def capture() -> dict:
    return {"nr": nr.random.get_state(), "python": random.getstate(), "numpy": np.random.get_state()}


def restore(state: dict) -> None:
    nr.random.set_state(state["nr"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
