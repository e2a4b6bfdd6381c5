"""Layer parity with PyTorch: linear, conv, pooling, normalisation, embedding, reshaping layers, activations."""
import numpy as np
import pytest

from nn_parity import check, randn, torch

import nr_core as nr
import nr_nn as nn


def pair(name, *args, **kwargs):
    t_mod = getattr(torch.nn, name)(*args, **kwargs)
    nr_mod = getattr(nn, name)(*args, **kwargs)
    return nr_mod, t_mod


LINEAR = [
    ("Linear", (5, 3), {}, [(4, 5)]),
    ("Linear", (5, 3), {"bias": False}, [(2, 3, 5)]),
    ("Linear", (1, 7), {}, [(6, 1)]),
    ("Bilinear", (3, 4, 2), {}, [(5, 3), (5, 4)]),
    ("Bilinear", (3, 4, 2), {"bias": False}, [(2, 5, 3), (2, 5, 4)]),
    ("Identity", (), {}, [(3, 4)]),
    ("Flatten", (), {}, [(2, 3, 4, 5)]),
    ("Flatten", (0, 2), {}, [(2, 3, 4, 5)]),
    ("Unflatten", (1, (2, 3)), {}, [(4, 6, 5)]),
]

CONV = [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 10)),
    ("Conv1d", (4, 6, 5), {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}, (2, 4, 17)),
    ("Conv1d", (3, 3, 3), {"padding": "same", "padding_mode": "reflect"}, (2, 3, 8)),
    ("Conv2d", (3, 5, 3), {}, (2, 3, 8, 9)),
    ("Conv2d", (3, 5, 3), {"padding": 1, "bias": False}, (2, 3, 8, 9)),
    ("Conv2d", (4, 5, 3), {}, (4, 4, 12, 12)),   # a weight gradient with many columns: the transposed product
    ("Conv2d", (4, 6, (3, 2)), {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)}, (2, 4, 9, 10)),
    ("Conv2d", (4, 8, 3), {"groups": 4, "stride": 2, "padding": 1}, (2, 4, 8, 8)),
    ("Conv2d", (6, 4, 3), {"groups": 2, "dilation": 2}, (1, 6, 11, 9)),
    ("Conv2d", (2, 3, 3), {"padding": "same"}, (2, 2, 7, 6)),
    ("Conv2d", (2, 3, 4), {"padding": "same", "dilation": 3}, (1, 2, 12, 12)),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "circular"}, (2, 2, 6, 7)),
    ("Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "replicate"}, (2, 2, 6, 7)),
    ("Conv2d", (3, 4, 3), {"padding": "valid"}, (3, 6, 7)),
    ("Conv3d", (2, 3, 3), {"padding": 1}, (2, 2, 5, 6, 5)),
    ("Conv3d", (4, 4, (2, 3, 2)), {"stride": 2, "groups": 2}, (1, 4, 7, 7, 6)),
    ("ConvTranspose1d", (3, 4, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 7)),
    ("ConvTranspose2d", (3, 4, 3), {}, (2, 3, 5, 6)),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, (2, 4, 5, 5)),
    ("ConvTranspose2d", (2, 3, (3, 2)), {"stride": (1, 3), "dilation": 2, "bias": False}, (2, 2, 4, 5)),
    ("ConvTranspose3d", (2, 2, 2), {"stride": 2}, (1, 2, 3, 4, 3)),
]

POOL = [
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}, (2, 3, 11)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", ((2, 3),), {}, (2, 2, 6, 9)),      # windows that tile the input, not square
    ("MaxPool2d", (2,), {}, (2, 2, 7, 9)),           # sizes the windows do not divide
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 9, 10)),
    ("MaxPool2d", ((2, 3),), {"stride": 1, "dilation": 2}, (2, 2, 8, 9)),
    ("MaxPool3d", (2,), {"stride": 2}, (1, 2, 6, 5, 6)),
    ("AvgPool1d", (4,), {"stride": 3, "padding": 2, "count_include_pad": False}, (2, 3, 13)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 9, 10)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}, (1, 2, 10, 9)),
    ("AvgPool2d", (3,), {"divisor_override": 4}, (2, 2, 9, 9)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 6, 4)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 3, 7, 7)),
    ("AdaptiveAvgPool2d", ((3, 4),), {}, (2, 3, 7, 9)),
    ("AdaptiveAvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 10)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 7, 9)),
]

NORM = [
    ("BatchNorm1d", (4,), {}, (6, 4), True),
    ("BatchNorm1d", (4,), {}, (5, 4, 3), False),
    ("BatchNorm1d", (4,), {"affine": False, "momentum": None}, (6, 4), True),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5), True),
    ("BatchNorm2d", (3,), {"eps": 1e-3, "momentum": 0.3}, (4, 3, 5, 5), False),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (4, 3, 5, 5), False),
    ("BatchNorm3d", (2,), {}, (2, 2, 3, 4, 3), True),
    ("LayerNorm", (5,), {}, (3, 4, 5), True),
    ("LayerNorm", ((4, 5),), {"eps": 1e-3}, (3, 4, 5), True),
    ("LayerNorm", (5,), {"elementwise_affine": False}, (3, 5), True),
    ("LayerNorm", (5,), {"bias": False}, (3, 5), True),
    ("GroupNorm", (2, 6), {}, (3, 6, 4, 4), True),
    ("GroupNorm", (3, 6), {"affine": False}, (3, 6, 5), True),
    ("GroupNorm", (1, 4), {"eps": 1e-2}, (2, 4, 3, 3), True),
    ("InstanceNorm1d", (3,), {}, (2, 3, 7), True),
    ("InstanceNorm2d", (3,), {}, (2, 3, 5, 6), True),
    ("InstanceNorm2d", (3,), {"affine": True}, (2, 3, 5, 6), True),
    ("InstanceNorm2d", (3,), {"track_running_stats": True}, (2, 3, 5, 6), True),
    ("InstanceNorm2d", (3,), {"track_running_stats": True}, (2, 3, 5, 6), False),
    ("InstanceNorm2d", (3,), {}, (3, 5, 6), True),
]


def _randomise(t_mod, seed):
    """Non-trivial affine parameters and running statistics, so their gradients and uses are exercised."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, t in list(t_mod.named_parameters()) + list(t_mod.named_buffers()):
            if t.dtype.is_floating_point:
                v = rng.uniform(0.5, 1.5, tuple(t.shape)) if "var" in name else rng.standard_normal(tuple(t.shape))
                t.copy_(torch.tensor(v))


@pytest.mark.parametrize("name,args,kwargs,shapes", LINEAR, ids=[f"{c[0]}-{i}" for i, c in enumerate(LINEAR)])
def test_linear_like(name, args, kwargs, shapes):
    nr_mod, t_mod = pair(name, *args, **kwargs)
    check(nr_mod, t_mod, [randn(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name,args,kwargs,shape", CONV, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV)])
def test_conv(name, args, kwargs, shape):
    nr_mod, t_mod = pair(name, *args, **kwargs)
    check(nr_mod, t_mod, [randn(*shape, seed=1)])


def test_conv_unbatched_and_output_size():
    nr_mod, t_mod = pair("Conv2d", 2, 3, 3, padding=1)
    check(nr_mod, t_mod, [randn(2, 5, 6, seed=2)])
    nr_mod, t_mod = pair("ConvTranspose2d", 2, 3, 3, stride=2)
    check(nr_mod, t_mod, [randn(1, 2, 4, 4, seed=3)], call=lambda m, x: m(x, output_size=(10, 10)))


@pytest.mark.parametrize("name,args,kwargs,shape", POOL, ids=[f"{c[0]}-{i}" for i, c in enumerate(POOL)])
def test_pooling(name, args, kwargs, shape):
    nr_mod, t_mod = pair(name, *args, **kwargs)
    check(nr_mod, t_mod, [randn(*shape, seed=4)])


def test_max_pool_indices_match_torch():
    x = randn(2, 3, 9, 10, seed=5)
    for kw in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
               {"kernel_size": 3, "dilation": 2, "stride": 1}):
        _, ti = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        _, ni = nn.functional.max_pool2d(nr.asarray(x), return_indices=True, **kw)
        assert np.array_equal(ni.numpy(), ti.numpy()), kw


def test_max_pool_ties_pick_the_first_maximum_like_torch():
    # values from {0, 1, 2}: most windows hold several maxima; tiling and general windows alike
    x = np.random.default_rng(6).integers(0, 3, (2, 3, 8, 12)).astype(np.float32)
    for kw in ({"kernel_size": 2}, {"kernel_size": (2, 3)}, {"kernel_size": 3, "stride": 1}):
        tv, ti = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        nv, ni = nn.functional.max_pool2d(nr.asarray(x), return_indices=True, **kw)
        assert np.array_equal(ni.numpy(), ti.numpy()), kw
        assert np.array_equal(nv.numpy(), tv.numpy()), kw


@pytest.mark.parametrize("name,args,kwargs,shape,training", NORM, ids=[f"{c[0]}-{i}" for i, c in enumerate(NORM)])
def test_normalization(name, args, kwargs, shape, training):
    nr_mod, t_mod = pair(name, *args, **kwargs)
    _randomise(t_mod, 6)
    t_mod.train(training)
    nr_mod.train(training)
    check(nr_mod, t_mod, [randn(*shape, seed=7)])
    # running statistics after the step match too (momentum, unbiased variance, num_batches_tracked)
    for key, ref in t_mod.state_dict().items():
        np.testing.assert_allclose(nr_mod.state_dict()[key].numpy(), ref.numpy(), rtol=1e-6, atol=1e-9, err_msg=key)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"padding_idx": -1}, {"max_norm": 1.0}])
def test_embedding(kwargs):
    nr_mod, t_mod = pair("Embedding", 7, 3, **kwargs)
    idx = np.array([[0, 1, 2, 1], [6, 5, 1, 0]])
    check(nr_mod, t_mod, [idx])
    if "max_norm" in kwargs:  # the looked-up rows were renormalised in place in both
        np.testing.assert_allclose(nr_mod.weight.detach().numpy(), t_mod.weight.detach().numpy(), rtol=1e-6)


ACTIVATIONS = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2,), {}),
    ("PReLU", (), {}), ("PReLU", (6,), {"init": 0.1}), ("ELU", (), {}), ("ELU", (0.5,), {}), ("CELU", (1.5,), {}),
    ("SELU", (), {}), ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("Mish", (), {}),
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("Softmax", (1,), {}), ("Softmax", (-1,), {}), ("LogSoftmax", (1,), {}),
    ("LogSoftmax", (0,), {}), ("Softmin", (2,), {}), ("Softplus", (), {}), ("Softplus", (2.0, 1.0), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-0.5, 2.0), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}),
    ("LogSigmoid", (), {}), ("Softsign", (), {}), ("Tanhshrink", (), {}), ("Threshold", (0.1, -2.0), {}),
    ("GLU", (1,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS, ids=[f"{a[0]}-{i}" for i, a in enumerate(ACTIVATIONS)])
def test_activation(name, args, kwargs):
    nr_mod, t_mod = pair(name, *args, **kwargs)
    x = randn(4, 6, 5, seed=8) * 3
    check(nr_mod, t_mod, [x])


def test_dropout_eval_is_identity_and_train_is_scaled_mask():
    x = nr.asarray(randn(50, 40, seed=9))
    d = nn.Dropout(0.3)
    d.eval()
    np.testing.assert_array_equal(d(x).numpy(), x.numpy())
    d.train()
    nr.random.seed(0)
    y = d(x).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / 0.7, rtol=1e-12)
    assert 0.6 < kept.mean() < 0.8
    nr.random.seed(0)
    np.testing.assert_array_equal(d(x).numpy(), y)  # the seed fixes the mask
    y2 = nn.Dropout2d(0.5)(nr.asarray(randn(8, 6, 4, 4, seed=1))).numpy()
    per_channel = (y2 != 0).reshape(8, 6, -1)
    assert np.all(per_channel.all(axis=2) | ~per_channel.any(axis=2))  # whole channels are dropped together


MAX_POOL_GRID = [  # (dims, input shape, kwargs): overlapping windows go through the stride phases
    (2, (2, 3, 11, 10), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (2, (2, 3, 11, 10), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (2, (1, 2, 12, 9), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0)}),
    (2, (1, 2, 13, 13), {"kernel_size": 3, "stride": 2, "dilation": 2, "padding": 1}),
    (2, (2, 2, 9, 7), {"kernel_size": 2, "stride": 1}),
    (2, (2, 2, 10, 10), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}),
    (2, (1, 3, 8, 8), {"kernel_size": 2, "stride": 3}),  # disjoint with gaps
    (1, (2, 3, 17), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (3, (1, 2, 6, 7, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
]


@pytest.mark.parametrize("dims,shape,kw", MAX_POOL_GRID, ids=[f"mp{i}" for i in range(len(MAX_POOL_GRID))])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_values_indices_and_gradients_match_torch(dims, shape, kw, ties):
    rng = np.random.default_rng(7)
    x = (rng.integers(0, 3, shape) if ties else rng.standard_normal(shape)).astype(np.float32)
    g_fn = {1: torch.nn.functional.max_pool1d, 2: torch.nn.functional.max_pool2d, 3: torch.nn.functional.max_pool3d}
    n_fn = {1: nn.functional.max_pool1d, 2: nn.functional.max_pool2d, 3: nn.functional.max_pool3d}
    tx, nx = torch.tensor(x, requires_grad=True), nr.asarray(x, requires_grad=True)
    tv, ti = g_fn[dims](tx, return_indices=True, **kw)
    nv, ni = n_fn[dims](nx, return_indices=True, **kw)
    assert np.array_equal(nv.detach().numpy(), tv.detach().numpy()) and np.array_equal(ni.numpy(), ti.numpy())
    g = rng.standard_normal(tv.shape).astype(np.float32)
    tv.backward(torch.tensor(g))
    nv.backward(nr.asarray(g))
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
