"""Functional parity with PyTorch: pad, interpolate, one_hot, embedding, normalize, distances, misc functions."""
import numpy as np
import pytest

from nn_parity import check, randn, torch

import nr_core as nr
import nr_nn.functional as F

TF = torch.nn.functional


def fn_check(name, inputs, *args, grad_inputs=True, **kwargs):
    fns = {"nr": getattr(F, name), "torch": getattr(TF, name)}

    def call(_, *xs):
        return fns["nr" if isinstance(xs[0], nr.Tensor) else "torch"](*xs, *args, **kwargs)
    check(None, None, inputs, call=call, grad_inputs=grad_inputs)


PAD = [
    ((1, 2), "constant", {}), ((1, 2, 0, 3), "constant", {"value": 1.5}), ((-1, 2, 1, -2), "constant", {}),
    ((2, 1), "reflect", {}), ((1, 2, 2, 1), "reflect", {}), ((2, 2, 1, 0), "replicate", {}),
    ((1, 1, 1, 1, 1, 1), "replicate", {}), ((1, 2, 3, 0), "circular", {}), ((2, 2), "circular", {}),
]


@pytest.mark.parametrize("pad,mode,kwargs", PAD, ids=[f"pad{i}" for i in range(len(PAD))])
def test_pad(pad, mode, kwargs):
    shape = {2: (2, 3, 5), 4: (2, 3, 5, 6), 6: (2, 3, 4, 5, 4)}[len(pad)]
    fn_check("pad", [randn(*shape, seed=1)], pad, mode=mode, **kwargs)


INTERP = [
    ((2, 3, 7), {"size": 12, "mode": "nearest"}),
    ((2, 3, 7), {"scale_factor": 2.5, "mode": "nearest"}),
    ((2, 3, 7), {"size": 4, "mode": "nearest-exact"}),
    ((2, 3, 7), {"size": 12, "mode": "linear"}),
    ((2, 3, 7), {"size": 5, "mode": "linear", "align_corners": True}),
    ((2, 2, 5, 6), {"size": (8, 9), "mode": "bilinear"}),
    ((2, 2, 5, 6), {"scale_factor": 2, "mode": "bilinear", "align_corners": True}),
    ((2, 2, 5, 6), {"size": (3, 4), "mode": "bilinear"}),
    ((2, 2, 5, 6), {"scale_factor": (2, 3), "mode": "nearest"}),
    ((2, 2, 6, 9), {"size": (3, 4), "mode": "area"}),
    ((1, 2, 3, 4, 5), {"size": (5, 6, 4), "mode": "trilinear"}),
]


@pytest.mark.parametrize("shape,kwargs", INTERP, ids=[f"interp{i}" for i in range(len(INTERP))])
def test_interpolate(shape, kwargs):
    fn_check("interpolate", [randn(*shape, seed=2)], **kwargs)


@pytest.mark.parametrize("num_classes", [-1, 7])
def test_one_hot(num_classes):
    idx = np.array([[0, 3, 2], [5, 1, 0]])
    ours = F.one_hot(nr.asarray(idx), num_classes).numpy()
    ref = TF.one_hot(torch.tensor(idx), num_classes).numpy()
    assert ours.dtype == np.int64 and np.array_equal(ours, ref)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2}])
def test_embedding_function(kwargs):
    idx = np.array([[1, 2, 3], [2, 0, 4]])
    check(None, None, [idx, randn(6, 3, seed=3)], grad_inputs=(1,),
          call=lambda _, i, w: (F.embedding if isinstance(w, nr.Tensor) else TF.embedding)(i, w, **kwargs))


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0, "dim": 0}, {"p": 3.0, "dim": -1}])
def test_normalize(kwargs):
    fn_check("normalize", [randn(4, 5, seed=4)], **kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0}, {"keepdim": True, "eps": 1e-3}])
def test_pairwise_distance(kwargs):
    fn_check("pairwise_distance", [randn(4, 5, seed=5), randn(4, 5, seed=6)], **kwargs)


@pytest.mark.parametrize("dim", [1, 0])
def test_cosine_similarity(dim):
    fn_check("cosine_similarity", [randn(4, 5, seed=7), randn(4, 5, seed=8)], dim=dim)


def test_linear_and_bilinear_functions():
    fn_check("linear", [randn(3, 5, seed=9), randn(4, 5, seed=10), randn(4, seed=11)])
    fn_check("bilinear", [randn(3, 2, seed=12), randn(3, 4, seed=13), randn(5, 2, 4, seed=14)])


@pytest.mark.parametrize("kwargs", [{"stride": 2, "padding": 1, "output_padding": 1}, {"groups": 2, "dilation": 2}])
def test_conv_transpose1d_function(kwargs):
    fn_check("conv_transpose1d", [randn(2, 4, 6, seed=15), randn(4, 3, 3, seed=16)], **kwargs)


def test_local_response_norm_and_lp_pool():
    fn_check("local_response_norm", [randn(2, 6, 4, 4, seed=17)], 3)
    fn_check("lp_pool2d", [np.abs(randn(2, 3, 6, 6, seed=18)) + 0.1], 2.0, 2)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(dim):
    fn_check("softmax", [randn(3, 4, 5, seed=19) * 5], dim)
    fn_check("log_softmax", [randn(3, 4, 5, seed=19) * 5], dim)


def test_softmax_is_stable_for_huge_logits():
    x = nr.asarray(np.array([[1e4, 0.0, -1e4]]))
    np.testing.assert_allclose(F.softmax(x, 1).numpy(), [[1.0, 0.0, 0.0]])
    assert np.isfinite(F.log_softmax(x, 1).numpy()[0, :2]).all()


def test_gelu_matches_math_erf_far_in_the_tails():
    import math
    x = np.array([-8.0, -5.0, -3.3, -0.1, 0.0, 0.2, 2.7, 6.5, 9.0])
    ref = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(F.gelu(nr.asarray(x)).numpy(), ref, rtol=1e-12, atol=1e-13)
