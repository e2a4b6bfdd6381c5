"""Multi-tensor optimizer updates as ops of the op table: one op updates every parameter of a group (per device) in
place, as PyTorch's ``foreach`` kernels do. The NumPy-like backends run them as one kernel call per step (the
Python cost of a dozen dispatched ops per parameter becomes a few NumPy calls); any other backend runs the
decomposition, the per-tensor update of ``_updates`` for each parameter.

Inputs are flat: the parameters, their gradients, then each state list (``p_0..p_n, g_0..g_n, m_0..m_n, ...``);
parameters and states are written in place and the ops return nothing. Not differentiable (optimizers step under
``no_grad``); each comes with kit samples checked against the update formulas written out in NumPy.
"""
from __future__ import annotations

import math

import numpy as np

from nr_core.dispatch import apply
from nr_core.optable import OpDef

from . import _updates

# nin=-1: variadic (the parameters, gradients and state lists of a group, concatenated)
SGD_UPDATE = OpDef("sgd_update", "optim", -1, "real floating-point", differentiable=False, primitive=False, nout=0)
ADAM_UPDATE = OpDef("adam_update", "optim", -1, "real floating-point", differentiable=False, primitive=False,
                    nout=0)
RMSPROP_UPDATE = OpDef("rmsprop_update", "optim", -1, "real floating-point", differentiable=False, primitive=False,
                       nout=0)


def _run(op, lists, params) -> None:
    flat = tuple(t for ts in lists for t in ts)
    apply(op, flat, params, flat[0].dtype)
    for ts in (lists[0],) + tuple(lists[2:]):  # parameters and states changed in place
        for t in ts:
            t._bump_version()


def sgd_update(params, grads, bufs, fresh, *, lr, momentum, dampening, weight_decay, nesterov, maximize) -> None:
    """SGD on every parameter; ``bufs`` (momentum only) are filled from the step direction where ``fresh``."""
    _run(SGD_UPDATE, (params, grads) + ((bufs,) if momentum != 0 else ()),
         dict(fresh=tuple(fresh), lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
              nesterov=nesterov, maximize=maximize))


def adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1, beta2, eps,
                weight_decay, maximize, decoupled) -> None:
    """Adam/AdamW on every parameter at its own ``steps`` count; ``max_exp_avg_sqs`` None unless AMSGrad."""
    lists = (params, grads, exp_avgs, exp_avg_sqs) + ((max_exp_avg_sqs,) if max_exp_avg_sqs is not None else ())
    _run(ADAM_UPDATE, lists, dict(steps=tuple(steps), lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                                  weight_decay=weight_decay, maximize=maximize, decoupled=decoupled,
                                  amsgrad=max_exp_avg_sqs is not None))


def rmsprop_update(params, grads, square_avgs, grad_avgs, bufs, *, lr, alpha, eps, weight_decay, momentum,
                   maximize) -> None:
    """RMSprop on every parameter; ``grad_avgs`` None unless centered, ``bufs`` None without momentum."""
    lists = (params, grads, square_avgs) + tuple(x for x in (grad_avgs, bufs) if x is not None)
    _run(RMSPROP_UPDATE, lists, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                     maximize=maximize, centered=grad_avgs is not None))


def count(op_name: str, params: dict) -> int:
    """How many lists (parameters, gradients, states) the flat inputs of ``op_name`` hold."""
    if op_name == "sgd_update":
        return 3 if params["momentum"] != 0 else 2
    if op_name == "adam_update":
        return 5 if params["amsgrad"] else 4
    return 3 + bool(params["centered"]) + (params["momentum"] > 0)


def split(op_name: str, flat, params: dict) -> list:
    """The flat inputs of ``op_name`` back into their lists."""
    parts = count(op_name, params)
    n = len(flat) // parts
    return [list(flat[i * n:(i + 1) * n]) for i in range(parts)]


# ---- decompositions: the per-tensor update for each parameter ------------------------------------------
def sgd_decomposition(*flat, fresh, lr, momentum, dampening, weight_decay, nesterov, maximize):
    lists = split("sgd_update", flat, {"momentum": momentum})
    bufs = lists[2] if momentum != 0 else [None] * len(fresh)
    for p, g, b, new in zip(lists[0], lists[1], bufs, fresh):
        _updates.sgd(p, g, b, new, lr, momentum, dampening, weight_decay, nesterov, maximize)
    return ()


def adam_decomposition(*flat, steps, lr, beta1, beta2, eps, weight_decay, maximize, decoupled, amsgrad):
    lists = split("adam_update", flat, {"amsgrad": amsgrad})
    s_max = lists[4] if amsgrad else [None] * len(steps)
    for p, g, m, s, mx, step in zip(*lists[:4], s_max, steps):
        _updates.adam(p, g, m, s, mx, step, lr, beta1, beta2, eps, weight_decay, maximize, decoupled)
    return ()


def rmsprop_decomposition(*flat, lr, alpha, eps, weight_decay, momentum, maximize, centered):
    lists = split("rmsprop_update", flat, {"centered": centered, "momentum": momentum})
    n = len(lists[0])
    grad_avgs = lists[3] if centered else [None] * n
    bufs = lists[-1] if momentum > 0 else [None] * n
    for p, g, sq, ga, b in zip(lists[0], lists[1], lists[2], grad_avgs, bufs):
        _updates.rmsprop(p, g, sq, ga, b, lr, alpha, eps, weight_decay, momentum, maximize)
    return ()


OPS = [(SGD_UPDATE, sgd_decomposition), (ADAM_UPDATE, adam_decomposition),
       (RMSPROP_UPDATE, rmsprop_decomposition)]


# ---- kit samples: the update formulas written out in NumPy (float64) ------------------------------------
def _wide(op_name, flat, params):
    return [[a.astype(np.float64) for a in part] for part in split(op_name, flat, params)]


def _sgd_ref(*flat, fresh, lr, momentum, dampening, weight_decay, nesterov, maximize):
    lists = _wide("sgd_update", flat, {"momentum": momentum})
    for k, (p, g) in enumerate(zip(lists[0], lists[1])):
        d = (-g if maximize else g) + weight_decay * p
        if momentum != 0:
            b = lists[2][k]
            b[...] = d if fresh[k] else momentum * b + (1 - dampening) * d
            d = d + momentum * b if nesterov else b
        p -= lr * d
    return _outputs(flat, lists)


def _adam_ref(*flat, steps, lr, beta1, beta2, eps, weight_decay, maximize, decoupled, amsgrad):
    lists = _wide("adam_update", flat, {"amsgrad": amsgrad})
    for k, (p, g, m, s) in enumerate(zip(*lists[:4])):
        d = -g if maximize else g
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            d = d + weight_decay * p
        m[...] = beta1 * m + (1 - beta1) * d
        s[...] = beta2 * s + (1 - beta2) * d * d
        v = s
        if amsgrad:
            lists[4][k][...] = np.maximum(lists[4][k], s)
            v = lists[4][k]
        t = steps[k]
        p -= lr / (1 - beta1 ** t) * m / (np.sqrt(v) / math.sqrt(1 - beta2 ** t) + eps)
    return _outputs(flat, lists)


def _rmsprop_ref(*flat, lr, alpha, eps, weight_decay, momentum, maximize, centered):
    lists = _wide("rmsprop_update", flat, {"centered": centered, "momentum": momentum})
    for k, (p, g, sq) in enumerate(zip(*lists[:3])):
        d = (-g if maximize else g) + weight_decay * p
        sq[...] = alpha * sq + (1 - alpha) * d * d
        v = sq
        if centered:
            ga = lists[3][k]
            ga[...] = alpha * ga + (1 - alpha) * d
            v = sq - ga * ga
        avg = np.sqrt(v) + eps
        if momentum > 0:
            b = lists[-1][k]
            b[...] = momentum * b + d / avg
            p -= lr * b
        else:
            p -= lr * d / avg
    return _outputs(flat, lists)


def _outputs(flat, lists):
    """Parameters then states, in the inputs' dtype (what a sample's call returns too)."""
    return tuple(a.astype(flat[0].dtype) for part in [lists[0]] + lists[2:] for a in part)


_OPS = {"sgd_update": SGD_UPDATE, "adam_update": ADAM_UPDATE, "rmsprop_update": RMSPROP_UPDATE}


def _call(op_name):
    def call(*flat, **params):
        flat = tuple(t.clone() for t in flat)  # on the CPU the arrays share the sample's NumPy buffers
        apply(_OPS[op_name], flat, params, flat[0].dtype)
        lists = split(op_name, flat, params)
        return tuple(t for part in [lists[0]] + lists[2:] for t in part)
    return call


_SHAPES = [(3,), (2, 3), (1, 4)]


def _lists(dtype, k, key):
    from nr_core.samples import values
    return [values(s, dtype, key=(key, k, i)) for i, s in enumerate(_SHAPES)]


def update_samples(name, dtypes):
    from nr_core import dtypes as _d
    from nr_core.samples import Sample
    kind = name.split("_")[0]
    for dt in (d for d in (_d.float32, _d.float64) if d in dtypes):
        if kind == "sgd":
            configs = [dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False),
                       dict(lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.1, nesterov=True, maximize=False),
                       dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.0, nesterov=False, maximize=True)]
            for i, c in enumerate(configs):
                parts = 3 if c["momentum"] else 2
                flat = tuple(a for k in range(parts) for a in _lists(dt, k, (name, i)))
                fresh = (True, False, False) if c["momentum"] else (False,) * 3
                yield Sample(name, flat, dict(c, fresh=fresh), call=_call(name), ref=_sgd_ref, label=f"{dt.name}-{i}",
                             grad=False)
        elif kind == "adam":
            configs = [dict(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, maximize=False,
                            decoupled=False, amsgrad=False),
                       dict(lr=1e-2, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1, maximize=True,
                            decoupled=False, amsgrad=True),
                       dict(lr=1e-2, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.05, maximize=False,
                            decoupled=True, amsgrad=True)]
            for i, c in enumerate(configs):
                parts = 5 if c["amsgrad"] else 4
                lists = [_lists(dt, k, (name, i)) for k in range(parts)]
                for k in range(3, parts):  # second moments are non-negative
                    lists[k] = [abs(a) for a in lists[k]]
                yield Sample(name, tuple(a for part in lists for a in part), dict(c, steps=(1.0, 3.0, 7.0)),
                             call=_call(name), ref=_adam_ref, label=f"{dt.name}-{i}", grad=False)
        else:
            configs = [dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, maximize=False,
                            centered=False),
                       dict(lr=1e-2, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.9, maximize=False,
                            centered=True),
                       dict(lr=1e-2, alpha=0.95, eps=1e-8, weight_decay=0.0, momentum=0.5, maximize=True,
                            centered=False)]
            for i, c in enumerate(configs):
                parts = 3 + c["centered"] + (c["momentum"] > 0)
                lists = [_lists(dt, k, (name, i)) for k in range(parts)]
                # the square average must stay above the centred average's square
                lists[2] = [abs(a) + 4.0 for a in lists[2]]
                if c["centered"]:
                    lists[3] = [a * 0.5 for a in lists[3]]
                yield Sample(name, tuple(a for part in lists for a in part), c, call=_call(name),
                             ref=_rmsprop_ref, label=f"{dt.name}-{i}", grad=False)


SAMPLES = {"sgd_update": update_samples, "adam_update": update_samples, "rmsprop_update": update_samples}
