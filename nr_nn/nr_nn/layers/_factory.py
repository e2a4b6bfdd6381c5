"""Creating parameters with torch's ``device=``/``dtype=`` factory arguments, and their default initialisation."""
from __future__ import annotations

import math

import nr_core as nr

from .. import init
from ..parameter import Parameter


def empty_param(shape, device=None, dtype=None) -> Parameter:
    return Parameter(nr.empty(tuple(shape), dtype=dtype or nr.float32, device=device))


def weight_and_bias(module, weight_shape, out_features: int, bias: bool, device=None, dtype=None) -> None:
    """``module.weight`` of ``weight_shape`` and ``module.bias`` (or a registered None), then initialised."""
    module.weight = empty_param(weight_shape, device, dtype)
    if bias:
        module.bias = empty_param((out_features,), device, dtype)
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()


def kaiming_default_(weight, bias) -> None:
    """PyTorch's default for Linear and Conv: kaiming-uniform weight (a=sqrt(5)), bias from U(+-1/sqrt(fan_in))."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = init.default_uniform_bound(fan_in)
        init.uniform_(bias, -bound, bound)
