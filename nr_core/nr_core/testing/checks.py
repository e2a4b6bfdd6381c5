"""How the kit runs one sample on a device and compares it with NumPy."""
from __future__ import annotations

import numpy as np

import nr_core as nr

_TOL = {"float32": (1e-4, 1e-5), "complex64": (1e-4, 1e-5), "float64": (1e-10, 1e-12),
        "complex128": (1e-10, 1e-12)}
# the 16-bit floats: a few units in the last place (2**-10 and 2**-7 relative), never tighter than a sample asks
LOW_TOL = {"float16": (4e-3, 2e-3), "bfloat16": (3.2e-2, 1.6e-2)}


def is_floating(dt: np.dtype) -> bool:
    """Real or complex floating, bfloat16 included (ml_dtypes gives it NumPy kind 'V')."""
    return dt.kind in "fc" or dt.name in LOW_TOL


def to_device(args, device):
    return tuple(nr.asarray(a, device=device) if isinstance(a, np.ndarray) else a for a in args)


def to_numpy(out):
    if isinstance(out, nr.Tensor):
        return out.numpy()
    if isinstance(out, (tuple, list)):
        return tuple(to_numpy(o) for o in out)
    return np.asarray(out)


def assert_matches(sample, out, expected) -> None:
    """Shape, dtype (where the sample asks) and values of ``out`` against the NumPy ``expected``."""
    got = to_numpy(out)
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, tuple) and len(got) == len(expected), f"{sample}: expected {len(expected)} outputs"
        for g, e in zip(got, expected):
            _compare(sample, g, np.asarray(e))
        return
    _compare(sample, got, np.asarray(expected))
    if sample.check_dtype and isinstance(out, nr.Tensor):
        want = expected_dtype(sample, np.asarray(expected))
        assert out.dtype is want, f"{sample}: dtype {out.dtype} != {want}"


def _tolerances(sample, key):
    rtol, atol = _TOL.get(key, (1e-6, 1e-7))
    rtol = sample.rtol if sample.rtol is not None else rtol
    atol = sample.atol if sample.atol is not None else atol
    if key in LOW_TOL:
        rtol, atol = max(rtol, LOW_TOL[key][0]), max(atol, LOW_TOL[key][1])
    return rtol, atol


def _compare(sample, got, exp):
    assert got.shape == exp.shape, f"{sample}: shape {got.shape} != expected {exp.shape}"
    if is_floating(exp.dtype) or is_floating(got.dtype):
        key = got.dtype.name if is_floating(got.dtype) else "float64"
        rtol, atol = _tolerances(sample, key)
        if key in LOW_TOL or exp.dtype.name in LOW_TOL:  # compared in float64: NumPy's testing knows no bfloat16
            got, exp = got.astype(np.float64), exp.astype(np.float64)
        np.testing.assert_allclose(got.astype(exp.dtype) if exp.dtype.kind in "fc" else got, exp, rtol=rtol,
                                   atol=atol, equal_nan=True, err_msg=str(sample))
        if exp.dtype.kind == "f":  # signed zeros are part of the standard's special cases
            zeros = (exp == 0) & (got == 0)
            assert np.array_equal(np.signbit(got[zeros]), np.signbit(exp[zeros])), f"{sample}: sign of zero differs"
    else:
        np.testing.assert_array_equal(got, exp, err_msg=str(sample))


def expected_dtype(sample, expected: np.ndarray):
    """The dtype the op table promises: same-dtype inputs keep it unless the op's result rule says otherwise."""
    from nr_core import dtypes as _d
    from nr_core.optable import OPS
    op = OPS.get(sample.op)
    arrays = [a for a in sample.args if isinstance(a, np.ndarray)]
    if op is None or op.kind != "elementwise" or not arrays:
        return _d.from_numpy_dtype(expected.dtype)
    dt = _d.from_numpy_dtype(arrays[0].dtype)
    for a in arrays[1:]:
        if op.name != "where":
            dt = _d.promote_types(dt, _d.from_numpy_dtype(a.dtype))
    if op.name == "where":
        dt = _d.from_numpy_dtype(arrays[1].dtype)
    rule = op.result
    if rule == "bool":
        return _d.bool
    if rule == "float" and dt.kind in ("bool", "int", "uint"):
        return _d.default_float
    if rule == "real" and dt.kind == "complex":
        return _d.float32 if dt is _d.complex64 else _d.float64
    return dt


def grad_call(sample, device):
    """``(fn, inputs)`` for gradient checks of ``sample`` on ``device``: its floating arrays in float64 (complex128)
    requiring grad as ``inputs``, the other arguments fixed inside ``fn``; None if it has no such input."""
    args = [a.astype(np.complex128 if a.dtype.kind == "c" else np.float64) if isinstance(a, np.ndarray)
            and is_floating(a.dtype) else a for a in sample.args]
    nr_args = list(to_device(tuple(args), device))
    grads = [i for i, a in enumerate(nr_args) if isinstance(a, nr.Tensor) and a.dtype.kind in ("float", "complex")
             and a.size > 0]
    if not grads:
        return None
    for i in grads:
        nr_args[i] = nr_args[i].requires_grad_(True)

    def fn(*xs):
        full = list(nr_args)
        for i, x in zip(grads, xs):
            full[i] = x
        return sample.nr_call(*full)

    return fn, tuple(nr_args[i] for i in grads)


def grads_match_cpu(sample, device, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """For backends too slow for finite differences: the gradients of ``sample`` on ``device`` (float64, one
    backward pass for fixed random cotangents) equal the CPU backend's, whose rules the CPU kit checks by finite
    differences."""
    autograd = __import__("nr_autograd")
    got = []
    for dev in (device, "cpu"):
        fn, inputs = grad_call(sample, dev)
        outs = fn(*inputs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        # outputs that do not depend on the inputs (matrix_power(x, 0)) contribute a zero gradient
        outs = [o for o in outs if isinstance(o, nr.Tensor) and o.dtype.kind in ("float", "complex")
                and o.requires_grad]
        rng = np.random.default_rng(0)
        cots = [nr.asarray(rng.standard_normal(o.shape).astype(o.dtype.numpy), device=o.device) for o in outs]
        grads = autograd.grad(outs, inputs, cots, allow_unused=True) if outs else [None] * len(inputs)
        got.append([None if g is None else to_numpy(g) for g in grads])
    for i, (g, ref) in enumerate(zip(*got)):
        if g is None and ref is None:
            continue
        shape = (ref if g is None else g).shape  # an unused input's None is a zero gradient
        g, ref = (np.zeros(shape) if a is None else a for a in (g, ref))
        np.testing.assert_allclose(g, ref, rtol=rtol, atol=atol, err_msg=f"{sample.op}: gradient of input {i}")
