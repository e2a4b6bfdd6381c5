"""Random numbers (not in the standard): one seeded host generator, shared by every device.

Draws happen on the host (the ``random_*`` ops' decompositions in ``nr_core/ops/random.py``) unless a
backend has ``random_*`` kernels of its own, so a seed gives the same numbers on every device.
"""
from __future__ import annotations

import numpy as np

from . import dtypes as _d
from .api.creation import _creation, _shape_arg, asarray
from .plugins import REGISTRY
from .shapes import as_index

_rng = np.random.default_rng()


def seed(n: int) -> None:
    """Seed the global generator (host draws, samplers, shuffling) and every loaded backend's generator."""
    global _rng
    _rng = np.random.default_rng(n)
    for status in REGISTRY.statuses.values():
        if status.backend is not None and status.available:
            status.backend.seed(n)


def get_state() -> dict:
    """A copy of the global host generator's state (PyTorch's ``get_rng_state``): plain ints and strings, so it
    survives JSON. Device-side generators of a backend (CUDA's) are not part of it."""
    return _rng.bit_generator.state


def set_state(state: dict) -> None:
    """Put the global host generator back to ``state`` from ``get_state()``: the draws that followed it repeat."""
    kind = type(_rng.bit_generator).__name__
    if not isinstance(state, dict) or state.get("bit_generator") != kind:
        found = state.get("bit_generator") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"random.set_state: expected a {kind} state from nr.random.get_state(), got {found!r}")
    try:
        _rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"random.set_state: malformed {kind} state: {exc}") from exc


def host_generator() -> np.random.Generator:
    """The global host generator (``nr_data`` samplers draw from it when no generator is given)."""
    return _rng




def _draw(op_name, shape, dtype, device, requires_grad, **params):
    return _creation(op_name, shape, dtype, device, _d.default_float if op_name != "random_integers" else _d.int64,
                     requires_grad, **params)


def normal(shape, mean=0.0, std=1.0, *, dtype=None, device=None, requires_grad: bool = False):
    if std < 0:
        raise ValueError(f"random.normal: std must be non-negative, got {std}")
    return _draw("random_normal", shape, dtype, device, requires_grad, mean=mean, std=std)


def uniform(shape, low=0.0, high=1.0, *, dtype=None, device=None, requires_grad: bool = False):
    if not low <= high:
        raise ValueError(f"random.uniform: low must be <= high, got {low} and {high}")
    return _draw("random_uniform", shape, dtype, device, requires_grad, low=low, high=high)


def randint(low: int, high: int, shape, *, dtype=None, device=None):
    if high <= low:
        raise ValueError(f"random.randint: high ({high}) must be greater than low ({low})")
    return _draw("random_integers", shape, dtype or _d.int64, device, False, low=low, high=high)


def permutation(n: int, *, device=None):
    n = as_index(n, "n", "random.permutation")
    if n < 0:
        raise ValueError(f"random.permutation: n must be non-negative, got {n}")
    return asarray(_rng.permutation(n).astype(np.int64), device=device)



# ---- PyTorch's spellings (exported at the top of nr_core: ``nr.randn(2, 3)``, ``nr.manual_seed(0)``) ----------
def manual_seed(n: int) -> None:
    """PyTorch's name for ``seed``."""
    seed(n)


def rand(shape, *more, dtype=None, device=None, requires_grad: bool = False):
    """Uniform draws in [0, 1): ``rand(2, 3)`` or ``rand((2, 3))``."""
    return _draw("random_uniform", _shape_arg(shape, "rand", more), dtype, device, requires_grad, low=0.0, high=1.0)


def randn(shape, *more, dtype=None, device=None, requires_grad: bool = False):
    """Standard normal draws: ``randn(2, 3)`` or ``randn((2, 3))``."""
    return _draw("random_normal", _shape_arg(shape, "randn", more), dtype, device, requires_grad, mean=0.0, std=1.0)


def rand_like(x, *, dtype=None, device=None, requires_grad: bool = False):
    return rand(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def randn_like(x, *, dtype=None, device=None, requires_grad: bool = False):
    return randn(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def torch_randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad: bool = False):
    """PyTorch's ``randint(low=0, high, size)``: ``randint(10, (3,))`` or ``randint(0, 10, (3,))``."""
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    if requires_grad:
        raise TypeError("randint: integer arrays cannot require gradients")
    return randint(low, high, size, dtype=dtype, device=device)


def randperm(n: int, *, dtype=None, device=None):
    """PyTorch's name for ``permutation``."""
    out = permutation(n, device=device)
    return out if dtype is None else out.astype(dtype)
