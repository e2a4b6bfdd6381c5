"""nr_autograd: reverse-mode automatic differentiation for nr_core arrays, on every backend.

Registers its engine with nr_core as ``"autograd"`` (entry point ``nr.backends``); gradient rules are
written in nr ops (``nr_autograd.rules``). Plugin ops may bring their own rule through ``nr_register_ops``'s
``vjp=``: it is called as ``vjp(ctx, grad) -> tuple`` (one gradient or None per input), where ``ctx.inputs``,
``ctx.out``, ``ctx.params``, ``ctx.shapes``, ``ctx.dtypes`` and ``ctx.needs`` describe the recorded call.
"""
from __future__ import annotations

from nr_core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

from ._version import __version__
from .engine import RemovableHandle, grad, queue_callback
from .engine import run_backward as backward
from .function import Function, FunctionCtx
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .recorder import check_coverage

__all__ = [
    "Function", "FunctionCtx", "GradcheckError", "RemovableHandle", "__version__", "backward", "check_coverage",
    "enable_grad", "grad", "gradcheck", "gradgradcheck", "is_grad_enabled", "no_grad", "queue_callback",
    "set_grad_enabled",
]
