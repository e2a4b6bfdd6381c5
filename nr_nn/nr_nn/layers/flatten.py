"""Flatten and Unflatten."""
from __future__ import annotations

import nr_core as nr

from ..functional._checks import dim_index, tensor
from ..module import Module


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        tensor(input, "Flatten")
        start = dim_index(self.start_dim, input.ndim, "Flatten", "start_dim")
        end = dim_index(self.end_dim, input.ndim, "Flatten", "end_dim")
        if start > end:
            raise RuntimeError(f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} for a "
                               f"{input.ndim}-D input {input.shape}")
        return input.flatten(start, end)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        d = self.dim % input.ndim
        shape = input.shape
        new = self.unflattened_size
        if -1 not in new and _prod(new) != shape[d]:
            raise ValueError(f"Unflatten: unflattened_size {new} does not multiply to dim {self.dim} of size "
                             f"{shape[d]} (input {shape})")
        return nr.reshape(input, shape[:d] + new + shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _prod(values) -> int:
    out = 1
    for v in values:
        out *= v
    return out
