"""``binary_cross_entropy`` (elementwise, unreduced): one op so that its gradient is PyTorch's,
``(x - t) / max(x (1 - x), 1e-12)``, finite where a probability is exactly 0 or 1; the chain rule through the
clamped logs would give 0 * inf = NaN there."""
from __future__ import annotations

import nr_core as nr
from nr_core.dispatch import apply
from nr_core.optable import OpDef

BINARY_CROSS_ENTROPY = OpDef("binary_cross_entropy", "nn", 2, "real floating-point", primitive=False)
LOG_FLOOR = -100.0  # PyTorch clamps both logs here, so a saturated probability gives a finite loss
EPSILON = 1e-12  # PyTorch's floor for x (1 - x) in the gradient


def binary_cross_entropy(x, target):
    return apply(BINARY_CROSS_ENTROPY, (x, target), {}, x.dtype)


def binary_cross_entropy_decomposition(x, target):
    return -(target * nr.maximum(nr.log(x), LOG_FLOOR) + (1.0 - target) * nr.maximum(nr.log1p(-x), LOG_FLOOR))


def binary_cross_entropy_vjp(ctx, g):
    (x, t), (need_x, need_t) = ctx.inputs, ctx.needs
    gx = g * (x - t) / nr.maximum(x * (1.0 - x), EPSILON) if need_x else None
    gt = g * (nr.log1p(-x) - nr.log(x)) if need_t else None  # unclamped, as PyTorch's (inf at x = 0)
    return gx, gt


OPS = [(BINARY_CROSS_ENTROPY, binary_cross_entropy_decomposition, binary_cross_entropy_vjp)]
