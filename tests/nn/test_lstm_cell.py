"""The fused ``lstm_cell`` op: kernel == decomposition == the LSTM equations (torch as reference) in values and
gradients, finite-difference checks to second order, input checks, and the LSTM layer built on it (gradients
of the final state only, double backward, a backend without the kernel)."""
import numpy as np
import pytest

import nr_autograd as autograd
import nr_core as nr
import nr_nn as nn
from nr_nn.ops import rnn as R


def arr(*shape, seed=0, grad=False):
    return nr.asarray(np.random.default_rng(seed).standard_normal(shape), requires_grad=grad)


SHAPES = [(3, 5), (2, 3, 4), (6,)]  # (batch..., H)


def _cell_inputs(shape, grad=True):
    return arr(*shape[:-1], 4 * shape[-1], seed=1, grad=grad), arr(*shape, seed=2, grad=grad)


def _weighted_sum(outs, seed):
    rng = np.random.default_rng(seed)
    return sum((o * nr.asarray(rng.standard_normal(o.shape))).sum() for o in outs)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_kernel_equals_decomposition_values_and_gradients(shape):
    a, b = _cell_inputs(shape), _cell_inputs(shape)
    y_kernel, y_decomp = R.lstm_cell(*a), R.lstm_cell_decomposition(*b)
    for k, d in zip(y_kernel, y_decomp):
        np.testing.assert_allclose(k.detach().numpy(), d.detach().numpy(), rtol=1e-12, atol=1e-14)
    _weighted_sum(y_kernel, 9).backward()
    _weighted_sum(y_decomp, 9).backward()  # the decomposition's gradient comes from the primitive ops' rules
    for i, (x1, x2) in enumerate(zip(a, b)):
        np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {i}")


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_matches_the_lstm_equations_in_torch(shape):
    torch = pytest.importorskip("torch")
    gates, c_prev = _cell_inputs(shape)
    tg, tc = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (gates, c_prev))
    zi, zf, zg, zo = tg.chunk(4, dim=-1)
    c_ref = torch.sigmoid(zf) * tc + torch.sigmoid(zi) * torch.tanh(zg)
    h_ref = torch.sigmoid(zo) * torch.tanh(c_ref)
    h, c, act = R.lstm_cell(gates, c_prev)
    np.testing.assert_allclose(h.detach().numpy(), h_ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c.detach().numpy(), c_ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    act_ref = torch.cat([torch.sigmoid(zi), torch.sigmoid(zf), torch.tanh(zg), torch.sigmoid(zo)], dim=-1)
    np.testing.assert_allclose(act.detach().numpy(), act_ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    wh, wc = np.random.default_rng(3).standard_normal((2,) + shape)
    ((h_ref * torch.tensor(wh)).sum() + (c_ref * torch.tensor(wc)).sum()).backward()
    ((h * nr.asarray(wh)).sum() + (c * nr.asarray(wc)).sum()).backward()
    np.testing.assert_allclose(gates.grad.numpy(), tg.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c_prev.grad.numpy(), tc.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_backward_kernel_equals_its_decomposition():
    gates, c_prev = _cell_inputs((4, 3), grad=False)
    _, c, act = R.lstm_cell(gates, c_prev)
    gh, gc = arr(4, 3, seed=5), arr(4, 3, seed=6)
    for k, d in zip(R.lstm_cell_backward(act, c_prev, c, gh, gc),
                    R.lstm_cell_backward_decomposition(act, c_prev, c, gh, gc)):
        np.testing.assert_allclose(k.numpy(), d.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("outputs", [slice(0, 1), slice(1, 2), slice(0, 3)], ids=["h", "c", "all"])
def test_gradcheck_first_and_second_order(outputs):
    fn = lambda g, c: R.lstm_cell(g, c)[outputs]  # noqa: E731
    inputs = _cell_inputs((2, 3))
    assert autograd.gradcheck(fn, inputs)
    assert autograd.gradgradcheck(fn, inputs)


def test_bad_input_is_rejected_before_the_op_runs():
    with pytest.raises(ValueError, match=r"lstm_cell.*\(3, 7\).*\(3, 2\)"):
        R.lstm_cell(nr.zeros((3, 7)), nr.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"lstm_cell.*\(3, 8\).*\(2, 2\)"):
        R.lstm_cell(nr.zeros((3, 8)), nr.zeros((2, 2)))
    with pytest.raises(TypeError, match="lstm_cell.*int32"):
        R.lstm_cell(nr.zeros((3, 8), dtype=nr.int32), nr.zeros((3, 2), dtype=nr.int32))
    with pytest.raises(TypeError, match="lstm_cell.*float64.*float32"):
        R.lstm_cell(nr.zeros((3, 8), dtype=nr.float64), nr.zeros((3, 2), dtype=nr.float32))


def _pair(torch, kwargs, seed=0):
    t_mod = torch.nn.LSTM(4, 6, **kwargs).double()
    n_mod = nn.LSTM(4, 6, **kwargs).to(nr.float64)
    n_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()})
    x = np.random.default_rng(seed).standard_normal((7, 3, 4))
    return t_mod, n_mod, torch.tensor(x, requires_grad=True), nr.asarray(x, requires_grad=True)


def _assert_grads(t_mod, n_mod, tx, nx, rtol=1e-7):
    for name, tp in t_mod.named_parameters():
        np.testing.assert_allclose(n_mod.get_parameter(name).grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=1e-10,
                                   err_msg=name)
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=1e-10)


@pytest.mark.parametrize("kwargs", [{"num_layers": 2}, {"bidirectional": True, "proj_size": 3}],
                         ids=["2layers", "proj"])
def test_lstm_gradients_through_the_final_state_only(kwargs):
    """Most time steps' outputs get no gradient: the stacked step gradients fill them with zeros."""
    torch = pytest.importorskip("torch")
    t_mod, n_mod, tx, nx = _pair(torch, kwargs)
    (t_mod(tx)[1][0] ** 2).sum().backward()
    (n_mod(nx)[1][0] ** 2).sum().backward()
    _assert_grads(t_mod, n_mod, tx, nx)


def test_lstm_double_backward_matches_torch():
    """A gradient penalty: the backward runs through nr ops (create_graph), then is differentiated again."""
    torch = pytest.importorskip("torch")
    t_mod, n_mod, tx, nx = _pair(torch, {"num_layers": 2}, seed=1)
    (tgx,) = torch.autograd.grad(t_mod(tx)[0].tanh().sum(), tx, create_graph=True)
    (ngx,) = autograd.grad(nr.tanh(n_mod(nx)[0]).sum(), nx, create_graph=True)
    np.testing.assert_allclose(ngx.detach().numpy(), tgx.detach().numpy(), rtol=1e-7, atol=1e-10)
    (tgx ** 2).sum().backward()
    (ngx ** 2).sum().backward()
    _assert_grads(t_mod, n_mod, tx, nx)


def test_lstm_on_a_backend_without_the_kernel():
    """The decomposition runs there, forward and backward, with CPU's results."""
    device = "opencl"
    try:
        nr.zeros(1, device=device)
    except Exception as exc:
        pytest.skip(f"{device} unavailable: {exc}")
    if nr.zeros(1, device=device)._backend.kernels.get("lstm_cell") is not None:
        pytest.skip(f"{device} has an lstm_cell kernel")
    nr.random.seed(0)
    cpu, other = nn.LSTM(3, 5, num_layers=2, proj_size=2), nn.LSTM(3, 5, num_layers=2, proj_size=2)
    other.load_state_dict(cpu.state_dict())
    other.to(device)
    x = np.random.default_rng(1).standard_normal((4, 2, 3)).astype(np.float32)
    outs = []
    for m, dev in ((cpu, "cpu"), (other, device)):
        out, (h, c) = m(nr.asarray(x, device=dev))
        (out.sum() + (c * c).sum()).backward()
        outs.append(out.to_device("cpu").detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-4, atol=1e-6)
    for (k, p), q in zip(cpu.named_parameters(), other.parameters()):
        np.testing.assert_allclose(q.grad.to_device("cpu").numpy(), p.grad.numpy(), rtol=2e-3, atol=1e-5, err_msg=k)
