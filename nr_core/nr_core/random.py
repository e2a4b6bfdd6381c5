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

_initial_seed = [int(np.random.SeedSequence().entropy % 2**63)]
_rng = np.random.default_rng(_initial_seed[0])


def initial_seed() -> int:
    """The seed last given to ``seed`` (or drawn at start-up), as PyTorch's ``initial_seed``."""
    return _initial_seed[0]


def seed(n: int) -> None:
    """Seed the global generator (host draws, samplers, shuffling) and every loaded backend's generator."""
    global _rng
    _initial_seed[0] = int(n)
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


class Generator:
    """PyTorch's ``Generator``: a host random generator of its own, for samplers and splits
    (``random_split(ds, lengths, generator=nr.Generator().manual_seed(42))``, ``DataLoader(generator=)``).
    It reseeds in place, so whoever holds it (a loader) sees ``manual_seed`` called later."""

    def __init__(self, device="cpu") -> None:
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % 2**63)
        self.host = np.random.default_rng(self._seed)  # the NumPy generator nr_data draws from

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = as_index(seed, "seed", "Generator.manual_seed")
        self.host.bit_generator.state = np.random.default_rng(self._seed).bit_generator.state
        return self

    def seed(self) -> int:
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self.host.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        self.host.bit_generator.state = state
        return self


def _probabilities(x, op: str):
    from .array_object import Tensor
    if not isinstance(x, Tensor) or x._dtype.kind != "float" or x.ndim not in (1, 2) or x.shape[-1] == 0:
        what = f"{x.dtype} array of shape {x.shape}" if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{op}: expected a 1-D or 2-D floating-point array of weights, got {what}")
    return x.detach()


def multinomial(x, num_samples: int, replacement: bool = False, *, generator=None):
    """Indices drawn from the categories of each row of ``x`` (non-negative weights, not necessarily summing to 1),
    as PyTorch's ``multinomial``: with replacement by inverse CDF, without by the Gumbel top-k trick (the same
    distribution as drawing one at a time and removing it). int64, shape ``(num_samples,)`` or ``(rows, num_samples)``."""
    import nr_core as nr
    if generator is not None:
        raise TypeError("multinomial: generator= is not supported; seed the global generator with nr.manual_seed")
    p = _probabilities(x, "multinomial")
    k = as_index(num_samples, "num_samples", "multinomial")
    rows = p if p.ndim == 2 else nr.reshape(p, (1, -1))
    n, c = rows.shape
    if k <= 0:
        raise ValueError(f"multinomial: num_samples must be positive, got {k}")
    if not bool(nr.all(nr.isfinite(rows))) or bool(nr.any(rows < 0)):
        raise ValueError("multinomial: weights must be finite and non-negative")
    positive = nr.sum(nr.astype(rows > 0, nr.int64), axis=1)
    if bool(nr.any(positive == 0)):
        raise ValueError("multinomial: every row needs a positive weight (a row sums to 0)")
    if not replacement and (k > c or bool(nr.any(positive < k))):
        raise ValueError(f"multinomial: cannot draw {k} samples without replacement from rows with "
                         f"{int(nr.min(positive))} non-zero weights of {c}")
    if replacement:
        cdf = nr.cumulative_sum(rows, axis=1)
        u = uniform((n, k), dtype=rows.dtype, device=rows.device) * cdf[:, -1:]
        # the first category whose cumulative weight exceeds u: how many do not
        out = nr.sum(nr.astype(nr.expand_dims(cdf, axis=1) <= nr.expand_dims(u, axis=2), nr.int64), axis=2)
        out = nr.minimum(out, c - 1)  # u rounded up to the total
    else:
        tiny = float(nr.finfo(rows.dtype).smallest_normal)
        u = nr.clip(uniform((n, c), dtype=rows.dtype, device=rows.device), tiny, 1.0 - 1e-7)
        keys = nr.log(rows) - nr.log(-nr.log(u))  # log(0) = -inf (silently): zero weights come last
        out = nr.argsort(keys, axis=1, descending=True, stable=True)[:, :k]
    out = nr.astype(out, nr.int64)
    return out if x.ndim == 2 else nr.reshape(out, (k,))


def bernoulli(x, p=None, *, generator=None):
    """0/1 draws (``x``'s dtype) with probability ``x`` elementwise, or ``p`` for every element, as PyTorch's."""
    import nr_core as nr
    if generator is not None:
        raise TypeError("bernoulli: generator= is not supported; seed the global generator with nr.manual_seed")
    prob = x.detach() if p is None else p
    u = uniform(x.shape, dtype=x.dtype, device=x.device)
    return nr.astype(u < prob, x.dtype)
