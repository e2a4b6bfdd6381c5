"""``nn.utils``: gradient clipping and flattening parameters to and from one vector."""
from __future__ import annotations

import math
from typing import Iterable

import nr_core as nr
from nr_core.amp import check_unscaled
from nr_core.array_object import Tensor


def _as_list(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _grads(parameters) -> list[Tensor]:
    return [p.grad for p in _as_list(parameters) if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients together so their joint ``norm_type`` norm is at most ``max_norm``; returns the norm.

    Refuses gradients that a ``nr.amp.GradScaler`` still scales (call ``scaler.unscale_(optimizer)`` first)."""
    parameters = _as_list(parameters)
    check_unscaled(parameters, "clip_grad_norm_")
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return nr.asarray(0.0)
    with nr.no_grad():
        if norm_type == math.inf:
            total = nr.max(nr.stack([nr.max(nr.abs(g)) for g in grads]))
        else:
            parts = [nr.sum(nr.pow(nr.abs(g), norm_type)) for g in grads]
            total = nr.pow(nr.sum(nr.stack(parts)), 1.0 / norm_type)
        if error_if_nonfinite and not bool(nr.isfinite(total)):
            raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                               f"non-finite ({float(total)}); set error_if_nonfinite=False to clip anyway")
        coef = nr.clip(max_norm / (total + 1e-6), max=1.0)
        for g in grads:
            g.copy_(g * nr.astype(coef, g.dtype))
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place (unscaled ones only, as above)."""
    clip_value = float(clip_value)
    parameters = _as_list(parameters)
    check_unscaled(parameters, "clip_grad_value_")
    with nr.no_grad():
        for g in _grads(parameters):
            g.copy_(nr.clip(g, -clip_value, clip_value))


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D array holding every parameter, flattened in order (all on one device)."""
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    return nr.concat([nr.reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of ``parameters_to_vector``)."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D nr array, got "
                        f"{vec.shape if isinstance(vec, Tensor) else type(vec).__name__}")
    params = _as_list(parameters)
    total = sum(p.size for p in params)
    if total != vec.shape[0]:
        raise ValueError(f"vector_to_parameters: the vector has {vec.shape[0]} values, the parameters need {total}")
    offset = 0
    with nr.no_grad():
        for p in params:
            p.copy_(nr.reshape(vec[offset:offset + p.size], p.shape))
            offset += p.size
