"""Multi-tensor update kernels for NumPy-like backends: ``_updates``' operations in the same order on the raw
buffers, in place and with ``out=`` where ``_updates`` writes a fresh array, so the results are the same bits as the
per-tensor form's (NumPy rounds each operation once either way; Python floats enter as the arrays' dtype). Each
parameter's update is elementwise, so the backend may run it slab by slab on several threads (``for_slabs``).
Where the backend builds host code (the CPU's), Adam's and SGD's float32 updates run as one compiled pass per slab
that does the same operations in the same order (``native_updates.c``): the same bits again.
"""
from __future__ import annotations

import math
from functools import partial

from nr_core.native import FLOAT, INT, LONG, PTR, Native, addr

from ._multi import split

# Adam's and SGD's update of a float32 parameter in one compiled pass, the same operations in the same order
# (native_updates.c), where the backend builds it
_NATIVE = Native(__file__, "native_updates.c",
                 {"nr_adam_update_f32": (LONG,) + (PTR,) * 5 + (INT, FLOAT, INT) + (FLOAT,) * 7,
                  "nr_sgd_update_f32": (LONG,) + (PTR,) * 3 + (INT, FLOAT, INT, FLOAT, INT, INT, FLOAT, INT, FLOAT)})


def _direction(xp, p, grad, maximize, weight_decay):
    """``-grad`` if maximizing, plus ``p * weight_decay`` (added as ``p*wd + g``: addition commutes exactly)."""
    g = xp.negative(grad) if maximize else grad
    if weight_decay != 0:
        decay = xp.multiply(p, weight_decay)
        decay += g
        g = decay
    return g


def sgd_update(be, *flat, fresh, lr, momentum, dampening, weight_decay, nesterov, maximize):
    xp = be.xp
    lists = split("sgd_update", flat, {"momentum": momentum})
    bufs = lists[2] if momentum != 0 else [None] * len(fresh)

    def one(new, p, grad, buf):
        g = _direction(xp, p, grad, maximize, weight_decay)
        if momentum != 0:
            if new:
                buf[...] = g
            else:
                buf *= momentum
                buf += g if dampening == 0 else xp.multiply(g, 1.0 - dampening)
            if nesterov:
                step = xp.multiply(buf, momentum)
                step += g
                g = step
            else:
                g = buf
        p -= xp.multiply(g, lr)

    native = _NATIVE.functions(be, *flat)
    for p, grad, buf, new in zip(lists[0], lists[1], bufs, fresh):
        if native is None:
            be.for_slabs(partial(one, new), p, grad, buf)
            continue
        consts = (int(maximize), weight_decay, int(weight_decay != 0), momentum, int(bool(new)),
                  int(dampening != 0), 1.0 - dampening, int(bool(nesterov)), lr)
        be.for_slabs(partial(_compiled, native[1], consts, partial(one, new)), p, grad, buf)
    return ()


def adam_update(be, *flat, steps, lr, beta1, beta2, eps, weight_decay, maximize, decoupled, amsgrad):
    xp = be.xp
    lists = split("adam_update", flat, {"amsgrad": amsgrad})
    s_max = lists[4] if amsgrad else [None] * len(steps)

    def one(step, p, grad, m, s, mx):
        g = _direction(xp, p, grad, maximize, 0.0 if decoupled else weight_decay)
        m *= beta1
        m += xp.multiply(g, 1.0 - beta1)
        sq = xp.multiply(g, g)
        sq *= 1.0 - beta2
        s *= beta2
        s += sq
        if mx is not None:
            xp.maximum(mx, s, out=mx)
            s = mx
        bc2_sqrt = math.sqrt(1.0 - beta2 ** step)
        denom = xp.sqrt(s, out=sq)  # sq is spent: reuse it
        denom += eps * bc2_sqrt
        update = xp.divide(m, denom, out=denom)
        update *= lr / (1.0 - beta1 ** step) * bc2_sqrt
        if decoupled and weight_decay != 0:
            p *= 1.0 - lr * weight_decay
        p -= update

    native = _NATIVE.functions(be, *flat)
    for p, grad, m, s, mx, step in zip(*lists[:4], s_max, steps):
        if native is None:
            be.for_slabs(partial(one, step), p, grad, m, s, mx)
            continue
        bc2_sqrt = math.sqrt(1.0 - beta2 ** step)
        consts = (int(maximize), weight_decay, int(weight_decay != 0 and not decoupled), beta1, 1.0 - beta1, beta2,
                  1.0 - beta2, eps * bc2_sqrt, lr / (1.0 - beta1 ** step) * bc2_sqrt,
                  1.0 - lr * weight_decay if decoupled and weight_decay != 0 else 1.0)
        be.for_slabs(partial(_compiled, native[0], consts, partial(one, step)), p, grad, m, s, mx)
    return ()


def _compiled(fn, consts, fallback, *arrays):
    """``fn`` over one slab of contiguous arrays of one size; ``fallback`` (the NumPy form) where they are not."""
    live = [a for a in arrays if a is not None]
    if any(not a.flags.c_contiguous or a.size != live[0].size for a in live) or not live[0].flags.writeable:
        fallback(*arrays)
        return
    fn(live[0].size, *(None if a is None else addr(a) for a in arrays), *consts)


def rmsprop_update(be, *flat, lr, alpha, eps, weight_decay, momentum, maximize, centered):
    xp = be.xp
    lists = split("rmsprop_update", flat, {"centered": centered, "momentum": momentum})
    n = len(lists[0])
    grad_avgs = lists[3] if centered else [None] * n
    bufs = lists[-1] if momentum > 0 else [None] * n

    def one(p, grad, sq, ga, buf):
        g = _direction(xp, p, grad, maximize, weight_decay)
        sq *= alpha
        t = xp.multiply(g, 1.0 - alpha)
        t *= g
        sq += t
        if ga is not None:
            xp.subtract(g, ga, out=t)
            t *= 1.0 - alpha
            ga += t
            avg = xp.multiply(ga, ga)
            xp.subtract(sq, avg, out=avg)
            xp.sqrt(avg, out=avg)
        else:
            avg = xp.sqrt(sq)
        avg += eps
        step = xp.divide(g, avg, out=avg)
        if buf is not None:
            buf *= momentum
            buf += step
            p -= xp.multiply(buf, lr, out=step)
        else:
            step *= lr
            p -= step

    for p, grad, sq, ga, buf in zip(lists[0], lists[1], lists[2], grad_avgs, bufs):
        be.for_slabs(one, p, grad, sq, ga, buf)
    return ()


KERNELS = {"sgd_update": sgd_update, "adam_update": adam_update, "rmsprop_update": rmsprop_update}
