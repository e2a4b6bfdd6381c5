"""Small update formulas shared by several optimizers, written with nr ops (so they run on any device)."""
from __future__ import annotations

import nr_core as nr
from nr_core import Tensor


def direction(p: Tensor, grad: Tensor, maximize: bool, weight_decay: float) -> Tensor:
    """The gradient to descend: negated for ``maximize``, plus L2 weight decay (``grad + wd * p``)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + p * weight_decay
    return g


def lerp(start: Tensor, end: Tensor, weight: float) -> Tensor:
    """``start + weight * (end - start)``, PyTorch's ``lerp`` for weights below one half."""
    return start + (end - start) * weight


def ema_sq(avg: Tensor, g: Tensor, decay: float) -> Tensor:
    """``decay * avg + (1 - decay) * g * g`` (PyTorch's ``avg.mul_(decay).addcmul_(g, g, value=1 - decay)``)."""
    return avg * decay + (g * (1.0 - decay)) * g


def norm(x: Tensor) -> Tensor:
    """The 2-norm of all elements, as a 0-d array on ``x``'s device."""
    return nr.sqrt(nr.sum(x * x))
