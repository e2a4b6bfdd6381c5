"""Layer arguments checked as PyTorch does, or before any work where torch would accept nonsense: Flatten's dims
(IndexError out of range), convolution kernel size, stride, dilation and padding (ValueError at construction, and
in the functional form before any kernel runs)."""
from __future__ import annotations

import numpy as np
import pytest
from nn_parity import torch

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F
import nr_nn.functional.conv as conv_module


# ---- Flatten -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4), (2, 0, 3)])
@pytest.mark.parametrize("start,end", [(0, -1), (1, -1), (0, 0), (-2, -1), (5, -1), (0, -5), (1, 0), (-1, 1),
                                       (2, 2), (0, 3)])
def test_flatten_dims_as_torch(shape, start, end):
    ref_exc = ours_exc = None
    try:
        ref = tuple(torch.nn.Flatten(start, end)(torch.zeros(shape)).shape)
    except (IndexError, RuntimeError) as e:
        ref_exc = type(e)
    try:
        got = nn.Flatten(start, end)(nr.zeros(shape)).shape
    except (IndexError, RuntimeError) as e:
        ours_exc = type(e)
        assert str(e).startswith("Flatten: ")
    assert ours_exc is ref_exc
    if ref_exc is None:
        assert got == ref


def test_flatten_start_dim_5_on_2d_names_the_range():
    with pytest.raises(IndexError) as info:
        nn.Flatten(start_dim=5)(nr.ones((2, 3)))
    assert str(info.value) == ("Flatten: start_dim=5 is out of range for a 2-D input (expected to be in range of "
                               "[-2, 1])")


def test_flatten_refuses_a_non_array():
    with pytest.raises(TypeError, match="Flatten: input must be an nr array, got list"):
        nn.Flatten()([[1.0, 2.0]])


# ---- convolutions: construction ----------------------------------------------------------------------------
CONVS = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


@pytest.mark.parametrize("value", [0, -1])
@pytest.mark.parametrize("arg", ["kernel_size", "stride", "dilation"])
@pytest.mark.parametrize("layer", CONVS)
def test_conv_geometry_must_be_positive(layer, arg, value):
    nd = int(layer[-2])
    kwargs = {"kernel_size": 3, arg: value}
    with pytest.raises(ValueError) as info:
        getattr(nn, layer)(2, 2, **kwargs)
    assert str(info.value) == f"{layer}: {arg} must be positive, got {(value,) * nd}"


@pytest.mark.parametrize("layer", CONVS)
def test_conv_one_bad_dim_of_a_tuple(layer):
    nd = int(layer[-2])
    stride = (1,) * (nd - 1) + (0,)
    with pytest.raises(ValueError, match=rf"{layer}: stride must be positive, got \({', '.join(map(str, stride))}"):
        getattr(nn, layer)(2, 2, 3, stride=stride)


@pytest.mark.parametrize("layer,arg", [("Conv2d", "padding"), ("ConvTranspose2d", "padding"),
                                       ("ConvTranspose2d", "output_padding")])
def test_conv_negative_padding(layer, arg):
    with pytest.raises(ValueError, match=rf"{layer}: {arg} must be >= 0, got \(-1, -1\)"):
        getattr(nn, layer)(2, 2, 3, **{arg: -1})


@pytest.mark.parametrize("layer", ["Conv2d", "ConvTranspose2d"])
def test_conv_wrong_number_of_sizes(layer):
    with pytest.raises(ValueError, match=rf"{layer}: kernel_size must be an int or 2 ints, got \(3, 3, 3\)"):
        getattr(nn, layer)(2, 2, (3, 3, 3))


def test_conv_numpy_integer_sizes_work_as_ints():
    layer = nn.Conv2d(1, 1, np.int64(3), stride=np.int32(2))
    assert layer.kernel_size == (3, 3) and layer.stride == (2, 2)
    assert all(type(v) is int for v in layer.kernel_size + layer.stride)


# ---- convolutions: the functional form, refused before any kernel ---------------------------------------------
@pytest.fixture
def no_kernel(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a convolution kernel ran on invalid arguments")
    monkeypatch.setattr(conv_module._ops, "conv", forbidden)
    monkeypatch.setattr(conv_module._ops, "conv_transpose", forbidden)


FUNCTIONAL = [(F.conv1d, 1), (F.conv2d, 2), (F.conv3d, 3), (F.conv_transpose1d, 1), (F.conv_transpose2d, 2),
              (F.conv_transpose3d, 3)]


@pytest.mark.parametrize("value", [0, -2])
@pytest.mark.parametrize("arg", ["stride", "dilation"])
@pytest.mark.parametrize("fn,nd", FUNCTIONAL, ids=[f.__name__ for f, _ in FUNCTIONAL])
def test_functional_conv_geometry(no_kernel, fn, nd, arg, value):
    x, w = nr.ones((1, 2) + (5,) * nd), nr.ones((2, 2) + (3,) * nd)
    with pytest.raises(ValueError) as info:
        fn(x, w, **{arg: value})
    assert str(info.value) == f"{fn.__name__}: {arg} must be positive, got {(value,) * nd}"


@pytest.mark.parametrize("fn,nd", FUNCTIONAL, ids=[f.__name__ for f, _ in FUNCTIONAL])
def test_functional_conv_empty_kernel(no_kernel, fn, nd):
    x, w = nr.ones((1, 2) + (5,) * nd), nr.ones((2, 2) + (3,) * (nd - 1) + (0,))
    with pytest.raises(RuntimeError):  # torch refuses it too
        getattr(torch.nn.functional, fn.__name__)(torch.ones(x.shape), torch.ones(w.shape))
    with pytest.raises(ValueError, match=rf"{fn.__name__}: kernel size \(the weight's trailing dims\) must be "
                                         rf"positive, got \({', '.join(map(str, w.shape[2:]))}"):
        fn(x, w)


def test_functional_conv_transpose_negative_padding(no_kernel):
    with pytest.raises(ValueError, match=r"conv_transpose2d: padding must be >= 0, got \(-1, -1\)"):
        F.conv_transpose2d(nr.ones((1, 2, 5, 5)), nr.ones((2, 2, 3, 3)), padding=-1)


def test_functional_conv_same_padding_with_zero_stride_names_the_stride(no_kernel):
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive, got \(0, 0\)"):
        F.conv2d(nr.ones((1, 2, 5, 5)), nr.ones((2, 2, 3, 3)), stride=0, padding="same")
