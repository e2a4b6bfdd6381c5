"""Creating uninitialised parameters with torch's ``device=``/``dtype=`` factory arguments."""
from __future__ import annotations

import nr_core as nr

from ..parameter import Parameter


def empty_param(shape, device=None, dtype=None) -> Parameter:
    return Parameter(nr.empty(tuple(shape), dtype=dtype or nr.float32, device=device))


def ntuple(value, n: int) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
