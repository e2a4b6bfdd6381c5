"""The fused nn ops: registered in the op table with gradient rules; kernel == decomposition (the path of
backends without a kernel) in values and gradients; finite-difference gradient checks, second order included."""
import numpy as np
import pytest

import nr_autograd as autograd
import nr_core as nr
from nr_core import optable
from nr_nn import ops
from nr_nn.ops import conv as C
from nr_nn.ops import normalization as LN
from nr_nn.ops import pooling as P
from nr_nn.ops import softmax as S
from nr_nn.ops import special as E


def arr(*shape, seed=0, grad=False):
    return nr.asarray(np.random.default_rng(seed).standard_normal(shape), requires_grad=grad)


def test_every_op_is_registered_with_a_rule():
    for opdef, decomposition, vjp in ops.ALL:
        assert optable.OPS[opdef.name] is opdef and opdef.kind == "nn"
        assert decomposition is not None
        assert (vjp is not None) == opdef.differentiable, opdef.name
        if opdef.differentiable:
            assert optable.VJPS[opdef.name] is vjp
    assert not [n for n in autograd.check_coverage() if n in {op.name for op, _, _ in ops.ALL}]


GEOMETRY = [  # (x shape, w shape, stride, padding pairs, dilation, groups)
    ((2, 4, 9, 8), (6, 2, 3, 3), (2, 1), ((1, 1), (0, 0)), (1, 2), 2),
    ((1, 3, 7), (4, 3, 2), (3,), ((2, 2),), (2,), 1),
    ((2, 2, 5, 4, 5), (2, 2, 2, 3, 2), (1, 2, 1), ((0, 0), (1, 1), (1, 0)), (1, 1, 2), 1),
]

# (name, kernel-path function, decomposition, inputs, params); the kernel path goes through dispatch.apply
CASES = []
for i, (xs, ws, s, p, d, g) in enumerate(GEOMETRY):
    CASES.append((f"conv{i}", C.conv, C.conv_decomposition, (xs, ws), dict(stride=s, padding=p, dilation=d, groups=g)))
    CASES.append((f"conv_wgrad{i}", None, None, (xs, ws), dict(stride=s, padding=p, dilation=d, groups=g)))
CASES += [
    ("conv_transpose", C.conv_transpose, C.conv_transpose_decomposition, ((2, 4, 5, 4), (4, 3, 3, 2)),
     dict(stride=(2, 3), padding=((1, 0), (0, -1)), dilation=(1, 2), groups=2)),
    ("max_pool", lambda x, **p: P.max_pool(x, **p)[0],
     lambda x, **p: P.max_pool_decomposition(x, index_dtype=P.index_dtype(p["kernel_size"]), **p)[0],
     ((2, 3, 9, 8),), dict(kernel_size=(3, 2), stride=(2, 2), padding=((1, 2), (0, -1)), dilation=(1, 2))),
    ("max_pool-crop", lambda x, **p: P.max_pool(x, **p)[0],  # negative widths on both sides crop the input
     lambda x, **p: P.max_pool_decomposition(x, index_dtype=P.index_dtype(p["kernel_size"]), **p)[0],
     ((2, 3, 11, 12),), dict(kernel_size=(3, 3), stride=(2, 2), padding=((-1, 1), (1, -2)), dilation=(1, 1))),
    ("avg_pool", P.avg_pool, P.avg_pool_decomposition, ((2, 3, 9, 8),),
     dict(kernel_size=(3, 3), stride=(2, 2), padding=((1, 2), (1, 0)), count_pad=((1, 1), (1, 1)),
          divisor_override=None)),
    ("softmax", S.softmax, S.softmax_decomposition, ((3, 4, 5),), dict(axis=1)),
    ("log_softmax", S.log_softmax, S.log_softmax_decomposition, ((3, 4, 5),), dict(axis=2)),
    ("layer_norm", LN.layer_norm, LN.layer_norm_decomposition, ((3, 4, 5),), dict(ndim=2, eps=1e-5)),
    ("erf", E.erf, E.erf_decomposition, ((4, 5),), {}),
]
CASES = [c for c in CASES if c[1] is not None]


def _inputs(shapes, grad):
    return [arr(*s, seed=i, grad=grad) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("name,fused,decomposition,shapes,params", CASES, ids=[c[0] for c in CASES])
def test_kernel_equals_decomposition_values_and_gradients(name, fused, decomposition, shapes, params):
    a, b = _inputs(shapes, True), _inputs(shapes, True)
    y_kernel, y_decomp = fused(*a, **params), decomposition(*b, **params)
    np.testing.assert_allclose(y_kernel.detach().numpy(), y_decomp.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = nr.asarray(np.random.default_rng(9).standard_normal(y_kernel.shape))
    (y_kernel * w).sum().backward()
    (y_decomp * w).sum().backward()  # the decomposition's gradient comes from the primitive ops' rules
    for i, (x1, x2) in enumerate(zip(a, b)):
        np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=f"input {i}")


@pytest.mark.parametrize("geometry", GEOMETRY, ids=["g0", "g1", "g2"])
def test_conv_weight_grad_kernel_equals_decomposition(geometry):
    xs, ws, s, p, d, g = geometry
    x = arr(*xs, seed=1)
    y = C.conv(x, arr(*ws, seed=2), s, p, d, g)
    gy = arr(*y.shape, seed=3)
    ref = C.conv_weight_grad_decomposition(x, gy, ws, s, p, d, g).numpy()
    np.testing.assert_allclose(C.conv_weight_grad(x, gy, ws, s, p, d, g).numpy(), ref, rtol=1e-10, atol=1e-12)


SMALL = [
    ("conv", lambda x, w: C.conv(x, w, (2, 1), ((1, 0), (1, 1)), (1, 2), 2), [(1, 4, 5, 5), (2, 2, 2, 2)]),
    ("conv_transpose", lambda x, w: C.conv_transpose(x, w, (2, 1), ((1, 0), (0, -1)), (1, 1), 1),
     [(1, 2, 3, 3), (2, 3, 2, 2)]),
    ("avg_pool", lambda x: P.avg_pool(x, (2, 2), (1, 2), ((1, 1), (0, 1)), ((1, 1), (0, 0)), None), [(1, 2, 4, 5)]),
    ("max_pool", lambda x: P.max_pool(x, (2, 2), (2, 1), ((0, 0), (1, 1)), (1, 1))[0], [(1, 2, 4, 5)]),
    ("softmax", lambda x: S.softmax(x, 0), [(4, 3)]),
    ("log_softmax", lambda x: S.log_softmax(x, 1), [(4, 3)]),
    ("layer_norm", lambda x: LN.layer_norm(x, 1, 1e-5), [(3, 5)]),
    ("erf", lambda x: E.erf(x), [(3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", SMALL, ids=[c[0] for c in SMALL])
def test_gradcheck(name, fn, shapes):
    assert autograd.gradcheck(fn, _inputs(shapes, True))


@pytest.mark.parametrize("name,fn,shapes", [c for c in SMALL if c[0] != "max_pool"],
                         ids=[c[0] for c in SMALL if c[0] != "max_pool"])
def test_second_order_gradients(name, fn, shapes):
    assert autograd.gradgradcheck(fn, _inputs(shapes, True))


def test_frontends_validate_before_the_ops_run():
    import nr_nn.functional as F
    assert all(op.dtypes == "real floating-point" for op, _, _ in ops.ALL)
    with pytest.raises(TypeError, match=r"conv2d.*int32"):
        F.conv2d(nr.zeros((1, 1, 3, 3), dtype=nr.int32), nr.zeros((1, 1, 2, 2), dtype=nr.int32))
    with pytest.raises(ValueError, match=r"conv2d.*groups=2"):
        F.conv2d(nr.zeros((1, 3, 3, 3)), nr.zeros((2, 2, 2, 2)), groups=2)
    with pytest.raises(ValueError, match="avg_pool2d.*padding"):
        F.avg_pool2d(nr.zeros((1, 1, 4, 4)), 2, padding=2)
    with pytest.raises(ValueError, match="layer_norm.*normalized_shape"):
        F.layer_norm(nr.zeros((2, 3)), (4,))


@pytest.mark.parametrize("device", ["opencl", "example"])
def test_model_on_a_backend_without_nn_kernels(device):
    """A backend lacking (some) nn kernels runs the decompositions, forward and backward, with CPU's results."""
    import nr_nn as nn
    import nr_nn.functional as F
    try:
        nr.zeros(1, device=device)
    except Exception as exc:
        pytest.skip(f"{device} unavailable: {exc}")
    nr.random.seed(0)
    cpu = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.GELU(), nn.MaxPool2d(2), nn.AvgPool2d(2, ceil_mode=True),
                        nn.Flatten(), nn.LayerNorm(12), nn.Linear(12, 4))
    other = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.GELU(), nn.MaxPool2d(2), nn.AvgPool2d(2, ceil_mode=True),
                          nn.Flatten(), nn.LayerNorm(12), nn.Linear(12, 4))
    other.load_state_dict(cpu.state_dict())
    other.to(device)
    x = np.random.default_rng(1).standard_normal((2, 1, 7, 8)).astype(np.float32)
    y = np.array([1, 3])
    losses = []
    for m, dev in ((cpu, "cpu"), (other, device)):
        loss = F.cross_entropy(m(nr.asarray(x, device=dev)), nr.asarray(y, device=dev))
        loss.backward()
        losses.append(loss.item())
    assert losses[1] == pytest.approx(losses[0], rel=1e-4)
    for (k, p), q in zip(cpu.named_parameters(), other.parameters()):
        np.testing.assert_allclose(q.grad.to_device("cpu").numpy(), p.grad.numpy(), rtol=2e-3, atol=1e-5, err_msg=k)
