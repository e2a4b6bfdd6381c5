"""Bad input raises PyTorch-like errors that name the optimizer, before any state is touched."""
from __future__ import annotations

import pytest

import nr_core as nr
import nr_optim as optim

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta", "Rprop", "ASGD",
         "LBFGS", "LAMB", "Adafactor"]
WITH_BETAS = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "LAMB"]
WITH_EPS = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta", "LAMB"]
WITH_WD = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta", "ASGD", "LAMB",
           "Adafactor"]


def _param():
    return nr.ones((2, 2))


@pytest.mark.parametrize("name", NAMES)
def test_negative_lr(name):
    with pytest.raises(ValueError, match=rf"{name}: .*learning rate.*-0.1"):
        getattr(optim, name)([_param()], lr=-0.1)


@pytest.mark.parametrize("name", WITH_BETAS)
@pytest.mark.parametrize("betas, index", [((1.0, 0.999), 0), ((-0.1, 0.999), 0), ((0.9, 1.0), 1), ((0.9, 1.5), 1)])
def test_betas_out_of_range(name, betas, index):
    with pytest.raises(ValueError, match=rf"{name}: Invalid beta parameter at index {index}"):
        getattr(optim, name)([_param()], betas=betas)


@pytest.mark.parametrize("name", WITH_EPS)
def test_negative_eps(name):
    with pytest.raises(ValueError, match=rf"{name}: Invalid epsilon value: -1e-08"):
        getattr(optim, name)([_param()], eps=-1e-8)


@pytest.mark.parametrize("name", WITH_WD)
def test_negative_weight_decay(name):
    with pytest.raises(ValueError, match=rf"{name}: .*weight_decay.*-0.5"):
        getattr(optim, name)([_param()], weight_decay=-0.5)


@pytest.mark.parametrize("name", NAMES)
def test_empty_parameter_list(name):
    with pytest.raises(ValueError, match=rf"{name}: optimizer got an empty parameter list"):
        getattr(optim, name)([])


@pytest.mark.parametrize("bad", [[1.0, 2.0], [[1.0]], ["w"]])
def test_non_array_param(bad):
    import numpy as np
    for value in (bad, [np.ones(2)]):
        with pytest.raises(TypeError, match="Adam: optimizer can only optimize nr arrays, but one of the params is"):
            optim.Adam([_param(), *value])


def test_single_array_instead_of_iterable():
    with pytest.raises(TypeError, match="SGD: params should be an iterable"):
        optim.SGD(_param(), lr=0.1)


def test_integer_param_is_rejected():
    with pytest.raises(TypeError, match="real floating-point arrays, got one of dtype int64"):
        optim.SGD([nr.asarray([1, 2])], lr=0.1)


def test_duplicate_params_across_groups():
    p = _param()
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [_param(), p]}], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    assert len(opt.param_groups) == 1


def test_set_of_params_is_rejected():
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {_param()}}], lr=0.1)


def test_group_options_are_validated_too():
    opt = optim.Adam([_param()])
    with pytest.raises(ValueError, match="Adam: Invalid learning rate: -1"):
        opt.add_param_group({"params": [_param()], "lr": -1})


def test_optimizer_specific_options():
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([_param()], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Rprop: Invalid eta values"):
        optim.Rprop([_param()], etas=(1.5, 1.2))
    with pytest.raises(ValueError, match="Adadelta: Invalid rho value"):
        optim.Adadelta([_param()], rho=1.5)
    with pytest.raises(ValueError, match="Adafactor: Clipping threshold d should be >= 1"):
        optim.Adafactor([_param()], d=0.5)
    with pytest.raises(TypeError, match="Adam: learning rate must be a real number"):
        optim.Adam([_param()], lr="0.1")
