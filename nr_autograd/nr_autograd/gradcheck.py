"""Finite-difference checks of the analytic gradients (``gradcheck``) and of their gradients (``gradgradcheck``).

Complex inputs and outputs follow PyTorch's convention: a backward pass with output gradient ``v`` is the
gradient of the real loss ``Re(sum(conj(v) * out))``, and the gradient with respect to ``z = x + iy`` is
``dL/dx + i dL/dy``; each is checked against central differences along ``x`` and ``y`` separately.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

import nr_core as nr
from nr_core.array_object import Tensor

from .engine import grad

_FLOATING = ("float", "complex")


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with finite differences (the message says where and by how much)."""


def _outputs(res) -> tuple:
    return res if isinstance(res, tuple) else (res,)


def _host(t: Tensor) -> np.ndarray:
    return t.detach().numpy()


def _evaluate(fn: Callable, inputs: tuple, i: int, host: np.ndarray) -> list:
    """Host copies of ``fn``'s floating outputs with input ``i`` replaced by ``host``."""
    x = inputs[i]
    moved = nr.asarray(host, dtype=x.dtype, device=x.device, requires_grad=x.requires_grad)
    args = inputs[:i] + (moved,) + inputs[i + 1:]
    return [_host(o).astype(np.complex128).ravel() if o.dtype.kind in _FLOATING else None
            for o in _outputs(fn(*args))]


def _numeric(fn, inputs, i, eps) -> list:
    """Per output: d out / d x_j (complex values) along each real direction of input ``i``: [(dx, dy or None)]."""
    x = _host(inputs[i])
    directions = (1.0, 1j) if np.iscomplexobj(x) else (1.0,)
    flat = x.ravel()
    cols = []
    for j in range(flat.size):
        per_dir = []
        for d in directions:
            plus, minus = flat.copy(), flat.copy()
            plus[j] += d * eps
            minus[j] -= d * eps
            hi = _evaluate(fn, inputs, i, plus.reshape(x.shape))
            lo = _evaluate(fn, inputs, i, minus.reshape(x.shape))
            per_dir.append([None if h is None else (h - lw) / (2 * eps) for h, lw in zip(hi, lo)])
        cols.append(per_dir)
    return cols


def gradcheck(fn: Callable, inputs: Sequence | Tensor, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare the gradients of ``fn(*inputs)`` with central finite differences, for every input that requires
    grad and every floating output. True when they agree; else GradcheckError (or False without raise_exception).
    Use float64 inputs: float32 differences are too coarse for the default tolerances.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad; pass arrays made with requires_grad=True")
    outs = _outputs(fn(*inputs))
    try:
        for i in wrt:
            _check_input(fn, inputs, outs, i, eps, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _check_input(fn, inputs, outs, i, eps, atol, rtol) -> None:
    x = inputs[i]
    numeric = _numeric(fn, inputs, i, eps)
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor) or o.dtype.kind not in _FLOATING:
            continue
        weights = (1.0, 1j) if o.dtype.kind == "complex" else (1.0,)
        for m in range(o.size):
            for v in weights:
                ana = _analytic(o, x, m, v)
                for j, per_dir in enumerate(numeric):
                    num = sum(np.real(np.conj(v) * d[k][m]) * s for d, s in zip(per_dir, (1.0, 1j)))
                    got = ana[j]
                    if not abs(got - num) <= atol + rtol * abs(num):
                        raise GradcheckError(
                            f"gradcheck: Jacobian mismatch for output {k} element {m} (weight {v}) with respect to "
                            f"input {i} element {j} (input shape {x.shape}, {x.dtype.name}): analytic {got!r}, "
                            f"numerical {num!r}, difference {abs(got - num):.3e} > atol {atol} + rtol {rtol} * "
                            f"|numerical|")


def _analytic(o: Tensor, x: Tensor, m: int, v) -> np.ndarray:
    if not o.requires_grad:
        return np.zeros(x.size, dtype=np.complex128)
    seed = np.zeros(o.size, dtype=o.dtype.numpy)
    seed[m] = v
    (g,) = grad((o,), (x,), (nr.asarray(seed.reshape(o.shape), device=o.device),), retain_graph=True,
                allow_unused=True)
    if g is None:
        return np.zeros(x.size, dtype=np.complex128)
    if g.shape != x.shape or g.dtype is not x.dtype:
        raise GradcheckError(f"gradcheck: the gradient has shape {g.shape} and dtype {g.dtype.name}, but its input has "
                             f"shape {x.shape} and dtype {x.dtype.name}")
    return _host(g).astype(np.complex128).ravel()


def gradgradcheck(fn: Callable, inputs: Sequence | Tensor, grad_outputs: Sequence | None = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                  raise_exception: bool = True) -> bool:
    """``gradcheck`` of the map (inputs, grad_outputs) -> grad(fn(inputs), inputs, grad_outputs,
    create_graph=True): checks second derivatives. Random ``grad_outputs`` are drawn when not given."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = [o for o in _outputs(fn(*inputs)) if isinstance(o, Tensor) and o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = []
        for o in outs:
            r = rng.standard_normal(o.shape)
            if o.dtype.kind == "complex":
                r = r + 1j * rng.standard_normal(o.shape)
            grad_outputs.append(nr.asarray(r.astype(o.dtype.numpy), device=o.device, requires_grad=True))
    grad_outputs = tuple(grad_outputs)
    n = len(inputs)

    def first_order(*args):
        xs, gos = args[:n], args[n:]
        ys = [o for o in _outputs(fn(*xs)) if isinstance(o, Tensor) and o.requires_grad]
        gs = grad(ys, [xs[i] for i in wrt], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
