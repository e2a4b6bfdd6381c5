"""The per-tensor update of SGD, Adam/AdamW and RMSprop in nr ops: what ``foreach=False`` runs for each parameter,
and the multi-tensor ops' decomposition (so a backend without their kernel gets exactly this). State arrays are
updated in place. The multi-tensor kernels (``_kernels``) perform the same operations in the same order, so both
forms give the same bits.
"""
from __future__ import annotations

import math

import nr_core as nr
from nr_core import Tensor

from ._ops import direction


def sgd(p: Tensor, grad: Tensor, buf: Tensor | None, fresh: bool, lr: float, momentum: float, dampening: float,
        weight_decay: float, nesterov: bool, maximize: bool) -> None:
    """``buf = momentum * buf + (1 - dampening) * g`` (``buf = g`` when ``fresh``), ``p -= lr * step``."""
    g = direction(p, grad, maximize, weight_decay)
    if momentum != 0:
        if fresh:
            buf[...] = g
        else:
            buf *= momentum
            buf += g if dampening == 0 else g * (1.0 - dampening)  # g * 1.0 is g, bit for bit: skip the pass
        g = g + buf * momentum if nesterov else buf
    p -= g * lr


def adam(p: Tensor, grad: Tensor, m: Tensor, s: Tensor, s_max: Tensor | None, step: float, lr: float, beta1: float,
         beta2: float, eps: float, weight_decay: float, maximize: bool, decoupled: bool) -> None:
    """One Adam step at ``step`` (already counted); ``s_max`` for AMSGrad, ``decoupled`` for AdamW's decay."""
    g = direction(p, grad, maximize, 0.0 if decoupled else weight_decay)
    m *= beta1
    m += g * (1.0 - beta1)
    sq = g * g
    sq *= 1.0 - beta2
    s *= beta2
    s += sq
    if s_max is not None:
        s_max[...] = nr.maximum(s_max, s)
        s = s_max
    # lr/bc1 * m / (sqrt(s)/sqrt(bc2) + eps) == (lr*sqrt(bc2)/bc1) * m / (sqrt(s) + eps*sqrt(bc2)): one pass less
    bc2_sqrt = math.sqrt(1.0 - beta2 ** step)
    denom = nr.sqrt(s)
    denom += eps * bc2_sqrt
    update = m / denom
    update *= lr / (1.0 - beta1 ** step) * bc2_sqrt
    if decoupled and weight_decay != 0:
        p *= 1.0 - lr * weight_decay
    p -= update


def rmsprop(p: Tensor, grad: Tensor, square_avg: Tensor, grad_avg: Tensor | None, buf: Tensor | None, lr: float,
            alpha: float, eps: float, weight_decay: float, momentum: float, maximize: bool) -> None:
    """``v = alpha v + (1 - alpha) g^2``; centered when ``grad_avg`` is given, with momentum when ``buf`` is."""
    g = direction(p, grad, maximize, weight_decay)
    square_avg *= alpha
    square_avg += (g * (1.0 - alpha)) * g
    if grad_avg is not None:
        grad_avg += (g - grad_avg) * (1.0 - alpha)
        avg = nr.sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = nr.sqrt(square_avg)
    avg += eps
    if buf is not None:
        buf *= momentum
        buf += g / avg
        p -= buf * lr
    else:
        p -= g / avg * lr
