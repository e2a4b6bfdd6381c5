"""The multi-tensor updates (``foreach``/``fused``, the default) give the same bits as the per-tensor form
(``foreach=False``, itself trajectory-equal to torch in test_optim_vs_torch), in float32 and float64, with
parameters that miss gradients on some steps, duplicates, 0-d parameters and read-only buffers; and the ops' decompositions (what
a backend without the kernel runs) give the same bits as the NumPy kernels."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_optim as optim
from nr_core.dispatch import apply
from nr_core.optable import DECOMPOSITIONS, OPS
from nr_optim import _multi

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), decoupled_weight_decay=True, weight_decay=0.05)),
    ("AdamW", dict(lr=1e-2, amsgrad=True, weight_decay=0.3, eps=1e-4)),
    ("RMSprop", dict(lr=1e-3)),
    ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, maximize=True, momentum=0.5)),
]
SHAPES = [(7, 5), (5,), (3, 2, 2), (1,), ()]  # a 0-d parameter steps through the per-tensor form


def _run(name, kwargs, dtype, steps=12, **flags):
    rng = np.random.default_rng(0)
    params = [nr.asarray(rng.standard_normal(s).astype(dtype)) for s in SHAPES]
    opt = getattr(optim, name)(params + [params[1]], **kwargs, **flags)  # params[1] twice: stepped twice
    for step in range(steps):
        for i, p in enumerate(params):
            # parameter 2 has no gradient on every third step (it must then be left alone)
            p.grad = None if (i == 2 and step % 3 == 0) else nr.asarray(rng.standard_normal(p.shape).astype(dtype))
        opt.step()
    state = [{k: (v.numpy() if isinstance(v, nr.Tensor) else v) for k, v in opt.state[p].items()} for p in params]
    return [p.numpy() for p in params], state


@pytest.mark.filterwarnings("ignore:.*duplicate parameters")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_multi_tensor_equals_per_tensor_bit_for_bit(name, kwargs, dtype):
    ref_params, ref_state = _run(name, kwargs, dtype, foreach=False)
    flags = [dict(), dict(foreach=True)] + ([dict(fused=True)] if name != "RMSprop" else [])
    for f in flags:
        params, state = _run(name, kwargs, dtype, **f)
        for a, b in zip(params, ref_params):
            assert a.dtype == b.dtype and np.array_equal(a, b), f
        assert [sorted(s) for s in state] == [sorted(s) for s in ref_state]
        for s, r in zip(state, ref_state):
            for k in r:
                assert np.array_equal(s[k], r[k]), (f, k)


def test_read_only_parameter_buffer_gets_the_per_tensor_error_before_any_write():
    data = np.ones(4)
    data.flags.writeable = False
    p = nr.asarray([1.0, 1.0, 1.0, 1.0])
    p._data = data  # a read-only view, as broadcast_to gives
    q = nr.asarray([2.0, 2.0])
    p.grad, q.grad = nr.ones(4), nr.ones(2)
    with pytest.raises(ValueError, match="read-only view"):
        optim.SGD([q, p], lr=0.5, momentum=0.9).step()
    np.testing.assert_array_equal(q.numpy(), [2.0, 2.0])  # the multi-tensor op had not run yet
    assert np.array_equal(data, np.ones(4))


def test_foreach_and_fused_together_are_refused():
    p = nr.asarray([1.0])
    for cls in (optim.SGD, optim.Adam, optim.AdamW):
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
            cls([p], lr=0.1, foreach=True, fused=True)


def test_a_step_bumps_the_parameters_version():
    p = nr.asarray([1.0, 2.0], requires_grad=True)
    saved = p * 1.0
    y = (saved * p).sum()
    p.grad = nr.ones(2)
    optim.Adam([p], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


@pytest.mark.parametrize("op_name", ["sgd_update", "adam_update", "rmsprop_update"])
def test_decomposition_equals_kernel_bit_for_bit(op_name):
    for sample in _multi.SAMPLES[op_name](op_name, {nr.float32, nr.float64}):
        by_kernel = [nr.asarray(a.copy()) for a in sample.args]
        by_decomposition = [nr.asarray(a.copy()) for a in sample.args]
        apply(OPS[op_name], tuple(by_kernel), sample.kwargs, by_kernel[0].dtype)
        DECOMPOSITIONS[op_name](*by_decomposition, **sample.kwargs)
        for a, b in zip(by_kernel, by_decomposition):
            assert np.array_equal(a.numpy(), b.numpy()), sample
