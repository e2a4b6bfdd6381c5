"""Module machinery: registration, traversal, modes, hooks, state_dict, moves, repr, containers, Parameter."""
from collections import OrderedDict

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.bn = nn.BatchNorm2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
        self.scale = nn.Parameter(nr.ones((1,)))
        self.register_buffer("step", nr.zeros((), dtype=nr.int64))
        self.register_buffer("scratch", nr.zeros((2,)), persistent=False)

    def forward(self, x):
        return self.head(F.relu(self.bn(self.conv(x)))) * self.scale


def test_parameter_is_a_tensor_and_requires_grad():
    p = nn.Parameter(nr.ones((2, 3)))
    assert isinstance(p, nr.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.shape == (2, 3)
    assert not nn.Parameter(nr.ones(2), requires_grad=False).requires_grad
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(nr.asarray([1, 2]))
    assert repr(p).startswith("Parameter containing:")


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "conv.weight", "conv.bias", "bn.weight", "bn.bias", "head.1.weight", "head.1.bias"]
    assert [n for n, _ in net.named_buffers()] == ["step", "scratch", "bn.running_mean", "bn.running_var",
                                                   "bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["conv", "bn", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "conv", "bn", "head", "head.0", "head.1"]
    assert len(list(net.parameters())) == 7 and len(list(net.parameters(recurse=False))) == 1
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("head.1.bias") is net.head[1].bias
    shared = nn.Linear(2, 2)
    tied = nn.Sequential(shared, shared)
    assert len(list(tied.parameters())) == 2  # shared parameters are listed once
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        net.nope
    with pytest.raises(TypeError, match="cannot assign"):
        net.scale = nr.ones((1,))
    del net.scale
    assert "scale" not in dict(net.named_parameters())


def test_train_eval_zero_grad_apply_requires_grad():
    net = Net()
    assert net.training and net.head[1].training
    net.eval()
    assert not net.training and not net.head[1].training
    net.train()
    out = net(nr.random.normal((2, 1, 4, 4))).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not np.any(p.grad.numpy()) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and "Linear" in seen
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_dtype_and_device_keep_parameter_identity():
    net = Net()
    w = net.conv.weight
    net.to(nr.float64)
    assert net.conv.weight is w and w.dtype is nr.float64
    assert net.bn.running_mean.dtype is nr.float64
    assert net.bn.num_batches_tracked.dtype is nr.int64  # integer buffers are not cast
    net.to("cpu:1")
    assert str(w.device) == "cpu:1" and str(net.bn.running_var.device) == "cpu:1"
    assert net(nr.random.normal((2, 1, 4, 4), dtype=nr.float64, device="cpu:1")).shape == (2, 3)
    with pytest.raises(TypeError, match="floating"):
        net.to(nr.int32)


def test_forward_hooks_and_pre_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(nr.ones((3, 2)))
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy() + 1 + np.zeros((3, 2)), rtol=1e-6)
    assert calls == [(3, 2)]
    h1.remove()
    h2.remove()
    assert lin(nr.zeros((1, 2))).shape == (1, 2) and calls == [(3, 2)]
    kw = []
    lin.register_forward_hook(lambda m, args, kwargs, out: kw.append(kwargs), with_kwargs=True)
    lin(nr.zeros((1, 2)))
    assert kw == [{}]


def test_full_backward_hook_sees_and_replaces_gradients():
    lin = nn.Linear(3, 2)
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((grad_input[0].shape, grad_output[0].shape))
        return (grad_input[0] * 0,)
    lin.register_full_backward_hook(hook)
    x = nr.random.normal((4, 3), requires_grad=True)
    lin(x).sum().backward()
    assert seen == [((4, 3), (4, 2))]
    assert not np.any(x.grad.numpy())


def test_state_dict_round_trip_and_errors():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert "scratch" not in sd and "bn.num_batches_tracked" in sd
    assert list(sd) == ["scale", "step", "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                        "bn.running_var", "bn.num_batches_tracked", "head.1.weight", "head.1.bias"]
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(b.conv.weight.detach().numpy(), a.conv.weight.detach().numpy())
    bad = dict(sd)
    bad["head.1.weight"] = nr.zeros((3, 31))
    with pytest.raises(RuntimeError, match=r"head\.1\.weight.*\(3, 31\).*\(3, 32\)"):
        b.load_state_dict(bad)
    partial = {k: v for k, v in sd.items() if k != "conv.bias"}
    partial["extra"] = nr.zeros(1)
    with pytest.raises(RuntimeError, match="missing keys: 'conv.bias'.*unexpected keys: 'extra'"):
        b.load_state_dict(partial)
    res = b.load_state_dict(partial, strict=False)
    assert res.missing_keys == ["conv.bias"] and res.unexpected_keys == ["extra"]


def test_repr_matches_torch_style():
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(16 * 14 * 14, 10, bias=False), nn.BatchNorm1d(10), nn.Dropout(0.25))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        "  (4): Linear(in_features=3136, out_features=10, bias=False)\n"
        "  (5): BatchNorm1d(10, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
        "  (6): Dropout(p=0.25, inplace=False)\n"
        ")")
    assert repr(nn.LSTM(3, 4, num_layers=2, batch_first=True)) == "LSTM(3, 4, num_layers=2, batch_first=True)"
    assert repr(nn.LayerNorm(5)) == "LayerNorm((5,), eps=1e-05, elementwise_affine=True)"


def test_containers():
    seq = nn.Sequential(OrderedDict([("a", nn.Linear(2, 3)), ("b", nn.ReLU())]))
    assert list(dict(seq.named_children())) == ["a", "b"] and len(seq) == 2
    assert isinstance(seq[-1], nn.ReLU) and isinstance(seq[:1], nn.Sequential)
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 2)).extend([nn.Linear(2, 2)])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "Linear", "Linear"]
    assert [k for k, _ in ml.named_parameters()][:2] == ["1.weight", "1.bias"]
    md = nn.ModuleDict({"x": nn.Linear(1, 1)})
    md["y"] = nn.Tanh()
    assert list(md.keys()) == ["x", "y"] and "y" in md
    pl = nn.ParameterList([nn.Parameter(nr.ones(2)), nr.zeros(3)])
    assert [k for k, _ in pl.named_parameters()] == ["0", "1"] and isinstance(pl[1], nn.Parameter)
    pd = nn.ParameterDict({"w": nr.ones(2)})
    assert list(dict(pd.named_parameters())) == ["w"]
    with pytest.raises(IndexError):
        ml[7]


def test_layer_input_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"linear.*\(2, 4\).*\(3, 5\)"):
        nn.Linear(5, 3)(nr.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Conv2d.*channels.*\(1, 3, 8, 8\)"):
        nn.Conv2d(2, 4, 3)(nr.zeros((1, 3, 8, 8)))
    with pytest.raises(ValueError, match="Conv2d.*4-D"):
        nn.Conv2d(2, 4, 3)(nr.zeros((8, 8)))
    with pytest.raises(TypeError, match="floating"):
        nn.Linear(2, 2)(nr.asarray([[1, 2]]))
    with pytest.raises(ValueError, match="max_pool2d.*smaller than the kernel"):
        nn.MaxPool2d(5)(nr.zeros((1, 1, 3, 3)))
    with pytest.raises(TypeError, match="dtypes differ"):
        nn.Linear(2, 2)(nr.zeros((1, 2), dtype=nr.float64))
    with pytest.raises(nr.DeviceMismatchError):
        nn.Linear(2, 2)(nr.zeros((1, 2), device="cpu:1"))


def test_unsupported_options_are_refused_at_construction():
    with pytest.raises(ValueError, match="sparse"):
        nn.Embedding(10, 3, sparse=True)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="batchmean")
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
