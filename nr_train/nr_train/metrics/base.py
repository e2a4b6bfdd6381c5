"""The metric protocol: ``update(preds, target)`` folds a batch into statistics kept as nr arrays on the inputs'
device (no host copy per batch), ``compute()`` turns them into the value, ``reset()`` forgets them, ``merge(other)``
adds another instance's statistics (shards, processes), ``state_dict()`` / ``load_state_dict()`` checkpoint them."""
from __future__ import annotations

import abc
import copy
from typing import Any

import nr_core as nr


class Metric(abc.ABC):
    """Base of the metrics. Subclasses define ``update`` and ``compute``, list their options in ``_config``
    (instances merge only when they agree) and keep their statistics in ``self._state`` (a dict of arrays, None
    before the first update)."""

    _config: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._state: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return type(self).__name__

    def reset(self) -> None:
        self._state = None

    @property
    def empty(self) -> bool:
        """True before the first update (and after ``reset``)."""
        return self._state is None

    @abc.abstractmethod
    def update(self, preds, target) -> None:
        """Fold one batch into the statistics."""

    @abc.abstractmethod
    def compute(self):
        """The metric over every update since the last reset, as an nr array."""

    def clone(self) -> "Metric":
        """A new instance with the same options and no statistics (the Trainer keeps one for train, one for val)."""
        twin = copy.copy(self)
        twin.reset()
        return twin

    def merge(self, other: "Metric") -> None:
        """Add ``other``'s statistics to this one's, as if this instance had seen its updates too."""
        if type(other) is not type(self) or self._options() != other._options():
            raise ValueError(f"{self.name}.merge: can only merge a {self.name} with the same options "
                             f"{self._options()}, got {type(other).__name__} {other._options()}")
        if other._state is None:
            return
        if self._state is None:
            self._state = self._copy_state(other._state)
        else:
            self._state = self._merge_states(self._state, other._state)

    def _merge_states(self, a: dict, b: dict) -> dict:
        """Sums by default; metrics whose statistics are not sums override this."""
        return {k: a[k] + b[k] for k in a}

    def _copy_state(self, state: dict) -> dict:
        return dict(state)  # arrays are never written in place, so sharing them is safe

    def _options(self) -> dict:
        return {k: getattr(self, k) for k in self._config}

    def state_dict(self) -> dict[str, Any]:
        return {} if self._state is None else dict(self._state)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._state = dict(state) if state else None

    def _require_state(self) -> dict:
        if self._state is None:
            raise RuntimeError(f"{self.name}.compute: no update yet; call update(preds, target) first")
        return self._state

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self._options().items())
        return f"{self.name}({opts})"


def as_array(x, what: str, where: str):
    """nr arrays pass; NumPy arrays and lists become nr arrays (on the default device)."""
    if isinstance(x, nr.Tensor):
        return x.detach()
    try:
        return nr.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: {what} must be an array, got {type(x).__name__}") from exc


_ACC_FLOAT: dict = {}


def acc_float(device) -> nr.DType:
    """The widest float the device has: float64 sums where it exists (metal has none), float32 otherwise."""
    dtype = _ACC_FLOAT.get(device)
    if dtype is None:
        has64 = "float64" in nr.__array_namespace_info__().dtypes(device=device)
        dtype = _ACC_FLOAT[device] = nr.float64 if has64 else nr.float32
    return dtype


def safe_divide(num, den):
    """``num / den`` elementwise, 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    ok = den > 0
    return nr.where(ok, num / nr.where(ok, den, nr.ones_like(den)), nr.zeros_like(num))
