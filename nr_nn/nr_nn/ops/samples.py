"""Sample inputs of the nn ops for nr_core's backend test kit, each with a plain NumPy reference written
independently of the kernels (window views + einsum, ``np.add.at`` scatters, ``math.erf``, the LSTM
chain rule gate by gate)."""
from __future__ import annotations

import math

import numpy as np

from ._grid import offsets

# (x shape, weight shape, stride, padding pairs, dilation, groups)
CONV_GEOMETRY = [
    ((2, 3, 7, 6), (4, 3, 3, 2), (1, 1), ((1, 1), (0, 0)), (1, 1), 1),
    ((1, 4, 9, 8), (6, 2, 3, 3), (2, 1), ((1, 2), (1, 0)), (1, 2), 2),
    ((2, 2, 7), (3, 2, 2), (3,), ((2, 2),), (2,), 1),
]
# (x shape, kernel, stride, padding pairs, dilation)
POOL_GEOMETRY = [
    ((2, 3, 6, 6), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    ((1, 2, 7, 8), (3, 2), (2, 1), ((1, 2), (0, 1)), (1, 2)),
    ((2, 2, 9), (3,), (2,), ((1, 1),), (1,)),
]


def _values(shape, dtype, seed):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape).astype(dtype.numpy)


def _f32(a):
    """Sample-building references run in float32 (NumPy's einsum has no 16-bit floats)."""
    return a.astype(np.float32)


def _floats(dtypes):
    """The real floating dtypes the device has, float16 and bfloat16 included (their references run in float32)."""
    from nr_core.samples import floats
    return floats(dtypes)


def _windows(x, padding, ksize, stride, dilation, fill=0.0):
    """(N, C, *out, *k) windows of the padded input, by sliding_window_view (the kernels use slices)."""
    nd = len(ksize)
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding), constant_values=fill)
    xp = xp[(slice(None), slice(None)) + tuple(slice(max(-lo, 0), n - max(-hi, 0))
                                               for (lo, hi), n in zip(padding, xp.shape[2:]))]
    span = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
    v = np.lib.stride_tricks.sliding_window_view(xp, span, axis=tuple(range(2, 2 + nd)))
    return v[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)
             + tuple(slice(None, None, d) for d in dilation)]


def _letters(nd):
    return "xyz"[:nd], "ijk"[:nd]


def conv_ref(x, w, stride, padding, dilation, groups):
    nd = x.ndim - 2
    win = _windows(x, padding, w.shape[2:], stride, dilation)
    o, k = _letters(nd)
    cg, fg = x.shape[1] // groups, w.shape[0] // groups
    parts = [np.einsum(f"nc{o}{k},fc{k}->nf{o}", win[:, g * cg:(g + 1) * cg], w[g * fg:(g + 1) * fg])
             for g in range(groups)]
    return np.concatenate(parts, axis=1).astype(x.dtype)


def conv_weight_grad_ref(x, gy, weight_shape, stride, padding, dilation, groups):
    nd = x.ndim - 2
    win = _windows(x, padding, weight_shape[2:], stride, dilation)
    win = win[(slice(None), slice(None)) + tuple(slice(0, n) for n in gy.shape[2:])]
    o, k = _letters(nd)
    cg, fg = x.shape[1] // groups, gy.shape[1] // groups
    parts = [np.einsum(f"nf{o},nc{o}{k}->fc{k}", gy[:, g * fg:(g + 1) * fg], win[:, g * cg:(g + 1) * cg])
             for g in range(groups)]
    return np.concatenate(parts, axis=0).astype(x.dtype)


def conv_transpose_ref(x, w, stride, padding, dilation, groups):
    """Scatter every input value times the kernel onto the full grid, then crop (the adjoint's definition)."""
    nd = x.ndim - 2
    ksize = w.shape[2:]
    full = [(n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip(x.shape[2:], stride, dilation, ksize)]
    out_sp = [f - lo - hi for f, (lo, hi) in zip(full, padding)]
    grid_sp = [max(f, lo + o) for f, (lo, _), o in zip(full, padding, out_sp)]
    cg, fo = x.shape[1] // groups, w.shape[1]
    grid = np.zeros((x.shape[0], fo * groups) + tuple(grid_sp))
    o, _ = _letters(nd)
    for offs in offsets(ksize):
        key = (slice(None), slice(None)) + tuple(slice(k * d, k * d + (n - 1) * s + 1, s) for k, d, n, s in
                                                 zip(offs, dilation, x.shape[2:], stride))
        for g in range(groups):
            wk = w[(slice(g * cg, (g + 1) * cg), slice(None)) + offs]
            contrib = np.einsum(f"nc{o},cf->nf{o}", x[:, g * cg:(g + 1) * cg], wk)
            grid[(slice(None), slice(g * fo, (g + 1) * fo)) + key[2:]] += contrib
    crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(padding, out_sp))
    return grid[(slice(None), slice(None)) + crop].astype(x.dtype)


def max_pool_ref(x, kernel_size, stride, padding, dilation, index_dtype):
    nd = len(kernel_size)
    win = _windows(x, padding, kernel_size, stride, dilation, fill=-np.inf)
    flat = win.reshape(win.shape[:2 + nd] + (-1,))
    return flat.max(axis=-1), flat.argmax(axis=-1).astype(index_dtype.numpy)


def _scatter_windows(gy_cols, input_shape, kernel_size, stride, padding, dilation):
    """Add ``gy_cols[..., offset]`` onto the input cell each (window, offset) reads (np.add.at, no kernels)."""
    nd = len(kernel_size)
    spatial = input_shape[2:]
    grid = np.zeros(tuple(input_shape[:2]) + tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(spatial, padding)))
    out_sp = gy_cols.shape[2:2 + nd]
    for i, offs in enumerate(offsets(kernel_size)):
        key = tuple(slice(k * d, k * d + (n - 1) * s + 1, s) for k, d, n, s in zip(offs, dilation, out_sp, stride))
        np.add.at(grid, (slice(None), slice(None)) + key, gy_cols[..., i])
    return grid[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for (lo, _), n in zip(padding, spatial))]


def max_pool_backward_ref(arg, gy, input_shape, kernel_size, stride, padding, dilation):
    k = math.prod(kernel_size)
    cols = (np.arange(k) == arg[..., None]) * gy[..., None]
    return _scatter_windows(cols, input_shape, kernel_size, stride, padding, dilation).astype(gy.dtype)


def _divisor(spatial, kernel_size, stride, padding, count_pad, divisor_override):
    if divisor_override:
        return divisor_override
    counted = np.pad(np.ones(spatial), tuple(count_pad), constant_values=1.0)
    extra = tuple((lo - clo, hi - chi) for (lo, hi), (clo, chi) in zip(padding, count_pad))
    win = _windows(counted[None, None], extra, kernel_size, stride, (1,) * len(kernel_size))
    return win.sum(axis=tuple(range(-len(kernel_size), 0)))[0, 0]


def avg_pool_ref(x, kernel_size, stride, padding, count_pad, divisor_override):
    nd = len(kernel_size)
    win = _windows(x, padding, kernel_size, stride, (1,) * nd)
    div = _divisor(x.shape[2:], kernel_size, stride, padding, count_pad, divisor_override)
    return (win.sum(axis=tuple(range(-nd, 0))) / div).astype(x.dtype)


def avg_pool_backward_ref(gy, input_shape, kernel_size, stride, padding, count_pad, divisor_override):
    div = _divisor(input_shape[2:], kernel_size, stride, padding, count_pad, divisor_override)
    k = math.prod(kernel_size)
    cols = np.repeat((gy / div)[..., None], k, axis=-1)
    return _scatter_windows(cols, input_shape, kernel_size, stride, padding, (1,) * len(kernel_size)).astype(gy.dtype)


def softmax_ref(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_ref(x, axis):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def layer_norm_ref(x, ndim, eps):
    axes = tuple(range(-ndim, 0))
    d = x - x.mean(axis=axes, keepdims=True)
    return (d / np.sqrt((d * d).mean(axis=axes, keepdims=True) + eps)).astype(x.dtype)


def erf_ref(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_cell_ref(gates, c_prev):
    zi, zf, zg, zo = np.split(gates, 4, axis=-1)
    act = np.concatenate([_sigmoid(zi), _sigmoid(zf), np.tanh(zg), _sigmoid(zo)], axis=-1)
    i, f, g, o = np.split(act, 4, axis=-1)
    c = f * c_prev + i * g
    return (o * np.tanh(c)).astype(gates.dtype), c.astype(gates.dtype), act.astype(gates.dtype)


def lstm_cell_backward_ref(act, c_prev, c, gh, gc):
    """The chain rule spelled out gate by gate, from h = o*tanh(c) and c = f*c_prev + i*g."""
    i, f, g, o = np.split(act, 4, axis=-1)
    tc = np.tanh(c)
    dc = gc + gh * o * (1 - tc ** 2)
    do, di, df, dg = gh * tc, dc * g, dc * c_prev, dc * i
    dgates = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=-1)
    return dgates.astype(act.dtype), (dc * f).astype(act.dtype)


# ---- generators -------------------------------------------------------------------------------
def _sample(name, args, kwargs, call, ref, label, grad=True):
    from nr_core.testing.cases import Sample
    return Sample(name, args, kwargs, call=call, ref=ref, label=label, grad=grad)


def conv_samples(name, dtypes):
    from . import conv as ops
    for dt in _floats(dtypes):
        for i, (xs, ws, s, p, d, g) in enumerate(CONV_GEOMETRY):
            kw = {"stride": s, "padding": p, "dilation": d, "groups": g}
            x, w = _values(xs, dt, i), _values(ws, dt, i + 10)
            label = f"{dt.name}-{i}"
            if name == "conv":
                yield _sample(name, (x, w), kw, ops.conv, conv_ref, label)
            elif name == "conv_weight_grad":
                gy = _values(conv_ref(_f32(x), _f32(w), **kw).shape, dt, i + 20)
                yield _sample(name, (x, gy), {"weight_shape": ws, **kw}, ops.conv_weight_grad, conv_weight_grad_ref,
                              label)
            else:
                # the adjoint maps a conv's output grid onto its input grid: weight (Cin, Cout/G, *k)
                wt = _values((xs[1], ws[0] // g) + ws[2:], dt, i + 30)
                yield _sample(name, (x, wt), kw, ops.conv_transpose, conv_transpose_ref, label)


def pool_samples(name, dtypes):
    from . import pooling as ops
    for dt in _floats(dtypes):
        for i, (xs, k, s, p, d) in enumerate(POOL_GEOMETRY):
            x = _values(xs, dt, i)
            label = f"{dt.name}-{i}"
            if name == "max_pool":
                kw = {"kernel_size": k, "stride": s, "padding": p, "dilation": d}
                yield _sample(name, (x,), kw, ops.max_pool,
                              lambda *a, **q: max_pool_ref(*a, **q, index_dtype=ops.index_dtype(q["kernel_size"])),
                              label)
            elif name == "max_pool_backward":
                _, arg = max_pool_ref(_f32(x), k, s, p, d, ops.index_dtype(k))
                gy = _values(arg.shape, dt, i + 5)
                kw = {"input_shape": xs, "kernel_size": k, "stride": s, "padding": p, "dilation": d}
                yield _sample(name, (arg, gy), kw, ops.max_pool_backward, max_pool_backward_ref, label)
            else:
                count = p if i % 2 == 0 else ((0, 0),) * len(k)
                kw = {"kernel_size": k, "stride": s, "padding": p, "count_pad": count,
                      "divisor_override": 3 if i == 2 else None}
                if name == "avg_pool":
                    yield _sample(name, (x,), kw, ops.avg_pool, avg_pool_ref, label)
                else:
                    gy = _values(avg_pool_ref(_f32(x), **kw).shape, dt, i + 5)
                    yield _sample(name, (gy,), {"input_shape": xs, **kw}, ops.avg_pool_backward,
                                  avg_pool_backward_ref, label)


def pointwise_samples(name, dtypes):
    from . import normalization, softmax, special
    table = {
        "softmax": (softmax.softmax, softmax_ref, [{"axis": 1}, {"axis": 0}]),
        "log_softmax": (softmax.log_softmax, log_softmax_ref, [{"axis": 1}, {"axis": 2}]),
        "layer_norm": (normalization.layer_norm, layer_norm_ref, [{"ndim": 1, "eps": 1e-5},
                                                                  {"ndim": 2, "eps": 1e-3}]),
        "erf": (special.erf, erf_ref, [{}]),
    }
    call, ref, params = table[name]
    for dt in _floats(dtypes):
        for i, kw in enumerate(params):
            yield _sample(name, (_values((3, 4, 5), dt, i),), kw, call, ref, f"{dt.name}-{i}")


def binary_cross_entropy_ref(x, t):
    # PyTorch's arrangement of the formula, (t - 1) log(1 - x) - t log(x), logs clamped at -100
    with np.errstate(divide="ignore"):
        return ((t - 1) * np.maximum(np.log(1 - x), -100.0) - t * np.maximum(np.log(x), -100.0)).astype(x.dtype)


def bce_samples(name, dtypes):
    from . import binary_cross_entropy as ops
    for dt in _floats(dtypes):
        rng = np.random.default_rng(7)
        x = rng.uniform(0.05, 0.95, (3, 5)).astype(dt.numpy)
        t = rng.uniform(0.0, 1.0, (3, 5)).astype(dt.numpy)
        yield _sample(name, (x, t), {}, ops.binary_cross_entropy, binary_cross_entropy_ref, f"{dt.name}-soft")
        edge = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=dt.numpy)  # saturated: the clamped logs
        hard = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dt.numpy)
        yield _sample(name, (edge, hard), {}, ops.binary_cross_entropy, binary_cross_entropy_ref,
                      f"{dt.name}-saturated", grad=False)


LSTM_SHAPES = [(3, 2), (2, 3, 1), (4,)]  # (batch..., H): batched, two batch dims, unbatched


def lstm_samples(name, dtypes):
    from . import rnn as ops
    for dt in _floats(dtypes):
        for i, shape in enumerate(LSTM_SHAPES):
            gates = _values(shape[:-1] + (4 * shape[-1],), dt, i)
            c_prev = _values(shape, dt, i + 10)
            label = f"{dt.name}-{i}"
            if name == "lstm_cell":
                yield _sample(name, (gates, c_prev), {}, ops.lstm_cell, lstm_cell_ref, label)
            else:
                _, c, act = (o.astype(dt.numpy) for o in lstm_cell_ref(_f32(gates), _f32(c_prev)))
                gh, gc = _values(shape, dt, i + 20), _values(shape, dt, i + 30)
                yield _sample(name, (act, c_prev, c, gh, gc), {}, ops.lstm_cell_backward, lstm_cell_backward_ref,
                              label, grad=False)


SAMPLES = {"conv": conv_samples, "conv_transpose": conv_samples, "conv_weight_grad": conv_samples,
           "max_pool": pool_samples, "max_pool_backward": pool_samples, "avg_pool": pool_samples,
           "avg_pool_backward": pool_samples, "softmax": pointwise_samples, "log_softmax": pointwise_samples,
           "layer_norm": pointwise_samples, "erf": pointwise_samples,
           "binary_cross_entropy": bce_samples, "lstm_cell": lstm_samples, "lstm_cell_backward": lstm_samples}
