"""Full backward hooks: identity Functions around a module's tensor inputs and outputs catch the gradients
w.r.t. exactly this module's inputs and outputs (PyTorch's BackwardHook design)."""
from __future__ import annotations

from nr_autograd import Function
from nr_core.array_object import Tensor


class _Identity(Function):
    """Returns its tensor arguments unchanged; its backward hands their gradients to ``callback``."""

    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.callback(grads))


def _wrap(tensors: list, callback) -> list:
    """``tensors`` with the requiring-grad ones passed through one identity node that calls ``callback``."""
    idx = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not idx:
        return tensors
    outs = _Identity.apply(lambda grads: callback(idx, grads), *[tensors[i] for i in idx])
    out = list(tensors)
    for i, t in zip(idx, outs):
        out[i] = t
    return out


class BackwardHook:
    """One forward call's backward-hook state: grad_output is caught first, then grad_input runs the hooks."""

    def __init__(self, module, hooks: list) -> None:
        self.module, self.hooks = module, hooks
        self.n_inputs = 0
        self.inputs_tracked = False
        self.grad_output: tuple | None = None

    def setup_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        self.inputs_tracked = any(isinstance(a, Tensor) and a.requires_grad for a in args)
        return tuple(_wrap(list(args), self._on_grad_input))

    def setup_outputs(self, out):
        single = isinstance(out, Tensor)
        outs = [out] if single else list(out) if isinstance(out, tuple) else None
        if outs is None:
            return out
        wrapped = _wrap(outs, self._on_grad_output)
        return wrapped[0] if single else tuple(wrapped)

    def _on_grad_output(self, idx, grads):
        self.grad_output = tuple(grads)
        if not self.inputs_tracked:
            self._run_hooks((None,) * self.n_inputs)
        return grads

    def _on_grad_input(self, idx, grads):
        full = [None] * self.n_inputs
        for i, g in zip(idx, grads):
            full[i] = g
        result = self._run_hooks(tuple(full))
        return tuple(result[i] for i in idx)

    def _run_hooks(self, grad_input: tuple) -> tuple:
        for hook in self.hooks:
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(f"backward hook of {type(self.module).__name__} returned {len(res)} gradients "
                                       f"for {len(grad_input)} inputs")
                grad_input = res
        return grad_input
