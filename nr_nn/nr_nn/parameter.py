"""``Parameter``: an nr array that a Module registers as trainable state (requires grad by default)."""
from __future__ import annotations

import nr_core as nr
from nr_core.array_object import Tensor

_SLOTS = ("_data", "_backend", "_device", "_dtype", "_version")


class Parameter(Tensor):
    """Wraps the buffer of ``data`` (no copy); ``isinstance(p, nr.Tensor)`` holds."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> "Parameter":
        if data is None:
            data = nr.zeros((0,))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: data must be an nr array, got {type(data).__name__}")
        if data._version is None:
            data._version = [0]  # one buffer, one version counter, shared with ``data``
        p = object.__new__(cls)
        for name in _SLOTS:
            setattr(p, name, getattr(data, name))
        p._grad = None
        p._grad_fn = None
        p._requires_grad = False
        if requires_grad:
            if data._dtype.kind not in ("float", "complex"):
                raise TypeError(f"Parameter: only floating-point arrays can require gradients, got dtype "
                                f"{data._dtype.name}; pass requires_grad=False")
            p.requires_grad_(True)
        return p

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce__(self):
        # a pickled Parameter (a Module copied to a DataLoader worker, deepcopy) comes back as one
        return (Parameter, (self.detach(), self._requires_grad))


def swap_data(p: Tensor, new: Tensor) -> None:
    """Point ``p`` at ``new``'s buffer, device and dtype in place, so optimizers holding ``p`` keep working."""
    p._data, p._backend, p._device, p._dtype = new._data, new._backend, new._device, new._dtype
    p._version = None
