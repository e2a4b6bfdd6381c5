"""The checklist of issue 14: every PyTorch spelling a user types without thinking, written once as PyTorch code,
run under ``torch`` (2.13.0) and under ``neurarust``, and compared value by value (dtype and shape included)."""
from __future__ import annotations

import io
import pickle
import warnings

import numpy as np
import pytest
import torch

import neurarust
from _spelling import assert_same, plain

A = np.array([[1.0, 5.0, 3.0, -2.0], [4.0, -2.5, 6.0, 0.5], [0.0, 7.0, -1.0, 2.0]], dtype=np.float32)
B = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [2.0, 1.0, 1.0], [-1.0, 3.0, 0.25]], dtype=np.float32)
BATCH = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) / 7.0
LABELS = np.array([3, 0, 2])

CASES: dict = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


# ---- seeds and devices --------------------------------------------------------------------------------
@case
def seeds(T):
    T.manual_seed(0)
    a = T.rand(3, 4)
    T.manual_seed(0)
    b = T.rand(3, 4)
    return bool((a == b).all()), a.shape == (3, 4), bool(((a >= 0) & (a < 1)).all())


@case
def devices(T):
    return (str(T.device("cpu")), str(T.device("cuda", 0)), str(T.device("cuda:1")), T.device("cuda:1").type,
            T.device("cuda", 1).index)


@case
def accelerator_and_cuda(T):
    # this machine has neither CUDA nor a GPU: both say so, and the demo's choice is then the CPU
    best = T.accelerator.current_accelerator()
    return (T.accelerator.is_available(), best, T.cuda.is_available(), T.cuda.device_count(),
            str(T.device(best.type if T.accelerator.is_available() else "cpu")))


@case
def cudnn_flags(T):
    old = T.backends.cudnn.benchmark, T.backends.cudnn.deterministic
    T.backends.cudnn.benchmark, T.backends.cudnn.deterministic = True, True
    seen = T.backends.cudnn.benchmark, T.backends.cudnn.deterministic
    T.backends.cudnn.benchmark, T.backends.cudnn.deterministic = old
    return seen


@case
def threads(T):
    old = T.get_num_threads()
    T.set_num_threads(1)
    one = T.get_num_threads()
    T.set_num_threads(old)
    return one, T.get_num_threads() == old


@case
def cpu_and_is_cuda(T):
    x = T.tensor(A)
    return x.cpu(), x.is_cuda, str(x.cpu().device)


@case
def cuda_without_a_gpu(T):
    try:
        T.ones(2).cuda()
        return "moved"
    except (AssertionError, RuntimeError):  # PyTorch: "not compiled with CUDA"; nr: DeviceUnavailableError
        return "refused"


# ---- creation -----------------------------------------------------------------------------------------
@case
def tensor_creation(T):
    x = T.tensor([[1.5, 2.0], [3.0, 4.0]], dtype=T.float64, requires_grad=True)
    return x, x.requires_grad, T.tensor([1, 2, 3]), T.tensor([True, False]), T.tensor(3.5), T.tensor(A)


@case
def from_numpy_shares_memory(T):
    a = np.zeros(3, dtype=np.float64)
    t = T.from_numpy(a)
    a[1] = 5.0
    return t, T.from_numpy(np.arange(4)).dtype


@case
def varargs_shapes(T):
    return (T.zeros(2, 3), T.ones(2, 3), T.zeros((2, 3)), T.ones([4]), T.empty(2, 3).shape, T.rand(2, 3).shape,
            T.randn(2, 3).shape, T.zeros(2, 3, dtype=T.long), T.full((2, 2), 7.0))


@case
def random_integers(T):
    T.manual_seed(1)
    a, b = T.randint(0, 10, (200,)), T.randint(5, (50,))
    return (a.dtype, a.shape, bool(((a >= 0) & (a < 10)).all()), b.shape, bool(((b >= 0) & (b < 5)).all()),
            len(set(a.tolist())) > 5)


@case
def like_functions(T):
    x = T.tensor(A)
    T.manual_seed(2)
    r, n = T.rand_like(x), T.randn_like(x)
    return (T.zeros_like(x), T.ones_like(x), T.full_like(x, 2.5), T.empty_like(x).shape, r.shape, r.dtype,
            bool(((r >= 0) & (r < 1)).all()), n.shape, n.dtype)


@case
def new_methods(T):
    x = T.tensor(A, dtype=T.float64)
    return (x.new_zeros(2, 3), x.new_ones((2,)), x.new_full((2, 2), 7), x.new_empty(3).shape, x.new_empty(3).dtype,
            x.new_tensor([1.0, 2.0]), x.new_zeros(2, dtype=T.int64))


@case
def dtype_aliases(T):
    x = T.tensor(A)
    names = [T.float, T.double, T.long, T.int, T.bool]
    return names, x.float(), x.double(), x.long(), x.int(), (x > 0).float(), x.bool()


# ---- sizes --------------------------------------------------------------------------------------------
@case
def sizes(T):
    x = T.tensor(BATCH)
    return (tuple(x.size()), x.size(0), x.size(-1), x.dim(), x.numel(), x.nelement(), x.element_size(),
            T.tensor([1, 2]).element_size(), x.shape[1])


# ---- dim= / keepdim= and PyTorch's reductions -----------------------------------------------------------
@case
def reductions_with_dim(T):
    x = T.tensor(A)
    return (x.sum(dim=1, keepdim=True), T.sum(x, 1), T.sum(x, dim=0), x.mean(dim=0), T.mean(x, 1, True),
            x.prod(dim=1), x.argmax(dim=1), T.argmax(x, dim=0, keepdim=True), x.argmin(1),
            (x > 0).all(dim=1), (x > 0).any(dim=0), x.logsumexp(dim=1), T.logsumexp(x, 0), x.sum((0, 1)))


@case
def max_min_pairs(T):
    x = T.tensor(A)
    values, indices = x.max(dim=1)
    return (values, indices, x.max(1, keepdim=True), x.min(dim=0), T.max(x, 1), T.min(x, dim=1), x.max(), x.min(),
            x.max(T.zeros(3, 4)), T.max(x, T.ones(3, 4)), x.amax(dim=1))


@case
def std_var(T):
    x = T.tensor(A)
    return (x.std(), x.var(), x.std(dim=1), x.var(0, keepdim=True), x.std(unbiased=False), x.var(correction=0),
            T.std(x, dim=1), T.var(x, 0))


@case
def sorting(T):
    x = T.tensor(A)
    return x.sort(1), x.sort(dim=0, descending=True), T.sort(x, 1), x.argsort(dim=1), T.argsort(x, dim=0), \
        x.topk(2), T.topk(x, 2, dim=0), x.topk(1, largest=False)


@case
def shape_methods_take_dim(T):
    x = T.tensor(BATCH)
    return (x.squeeze(0).shape, T.ones(1, 3, 1).squeeze(dim=0).shape, T.ones(1, 3, 1).squeeze().shape,
            x.unsqueeze(1).shape, x.flatten(1).shape, x.transpose(0, 2).shape, x.permute(2, 0, 1).shape,
            x.cumsum(dim=2), T.cumsum(x, 1), x.flip(0), x.view(-1, 4).shape, x.view(6, 4).shape)


# ---- functions and methods ------------------------------------------------------------------------------
@case
def joining_and_splitting(T):
    x = T.tensor(A)
    return (T.cat([x, x], dim=1), T.cat([x, x]), T.stack([x, x], dim=2), T.stack([x, x]), x.split(2, dim=1),
            T.split(x, [1, 2]), x.chunk(2, dim=1), T.chunk(x, 3), x.narrow(1, 1, 2), T.narrow(x, 0, 1, 2),
            x.unbind(1))


@case
def flatten_function(T):
    x = T.tensor(BATCH)
    return T.flatten(x), T.flatten(x, 1), T.flatten(x, 0, 1), T.flatten(x, start_dim=1, end_dim=2)


@case
def matrix_products(T):
    a, b, c = T.tensor(A), T.tensor(B), T.tensor(BATCH)
    m = T.tensor(A[:, :3])
    return (T.mm(a, b), a.mm(b), T.bmm(c, c.transpose(1, 2)), c.bmm(c.permute(0, 2, 1)), a.t(), b.t().t(),
            T.tensor([1.0, 2.0]).t(), T.outer(a[0], b[0]), a[0].outer(b[:, 0]), T.addmm(m, a, b),
            T.addmm(m, a, b, beta=0.5, alpha=2.0), T.baddbmm(c @ c.transpose(1, 2), c, c.transpose(1, 2), alpha=0.5),
            T.dot(a[0], a[1]))


@case
def layout_methods(T):
    x, y = T.tensor(A), T.tensor(B)
    return (x.contiguous(), x.view_as(T.zeros(4, 3)), x[:1].expand_as(x), x.type_as(T.tensor([1, 2])),
            x.reshape(2, 6).shape, x.expand(2, 3, 4).shape, y.repeat(2, 1), y.repeat(1, 2, 3).shape,
            x.is_contiguous())


@case
def comparison_methods(T):
    x, y = T.tensor(A), T.tensor(A[::-1].copy())
    return x.eq(y), x.ne(y), x.lt(y), x.le(2.0), x.gt(y), x.ge(0)


@case
def masked_fill_and_clamp(T):
    x = T.tensor(A)
    mask = x > 2
    y = x.clone()
    y.masked_fill_(mask, 0.0)
    z = x.clone()
    z.clamp_(-1, 1)
    causal = T.ones(4, 4).triu(1).bool()
    return (x.masked_fill(mask, -1.0), y, x.masked_fill(causal[0], 9.0), x.clamp(min=0), T.clamp(x, -1, 1),
            x.clamp(max=2.0), z, x.clip(0, 1))


@case
def norms(T):
    x = T.tensor(A)
    return (x.norm(), x.norm(p=1, dim=1), x.norm(2, dim=0, keepdim=True), T.norm(x), T.norm(x, p=3, dim=1),
            T.norm(x, dim=(0, 1)), T.norm(x[:, :3], "nuc"), x.norm(p=float("inf"), dim=1))


@case
def where_with_scalars(T):
    x = T.tensor(A)
    return T.where(x > 2, 1.0, 0.0), T.where(x > 2, 1, 0), T.where(x > 0, x, 0.0), T.where(x > 0, -1, x)


@case
def indexing_by_range(T):
    x, y = T.tensor(A), T.tensor(LABELS)
    return x[range(3), y], x[T.arange(3), y], x[[0, 2]], x[:, [1, 3]], x[x > 2]


@case
def gathers_and_scatters(T):
    x, idx = T.tensor(A), T.tensor([[0, 1], [2, 0], [1, 3]])
    col = T.tensor(LABELS).unsqueeze(1)
    s = T.zeros(3, 4)
    s.scatter_(1, col, 1.0)
    src = T.arange(6, dtype=T.float32).reshape(3, 2)
    return (T.index_select(x, 1, T.tensor([3, 0])), x.index_select(0, T.tensor([2, 2, 0])), x.gather(1, idx),
            T.gather(x, 1, col), x.gather(0, T.tensor([[2, 0, 1, 0]])), s, T.zeros(3, 4).scatter(1, idx, src),
            T.zeros(3, 4).scatter(0, T.tensor([[2, 1, 0, 2]]), 5.0), T.zeros(3, 4).scatter_add(1, idx, src))


@case
def cumulative_and_misc(T):
    x = T.tensor(A)
    return x.cumsum(0), T.cumsum(x, dim=1), T.cumprod(x, 1), x.cumprod(dim=0), T.lerp(x, x * 3, 0.25), \
        x.lerp(T.zeros(3, 4), 0.75), T.permute(x, (1, 0)), T.squeeze(T.ones(1, 4, 1), 0).shape, \
        T.unsqueeze(x, 0).shape, T.transpose(x, 0, 1)


@case
def einsum(T):
    a, b, c = T.tensor(A), T.tensor(B), T.tensor(BATCH)
    sq = T.tensor(A[:, :3])
    return (T.einsum("ij,jk->ik", a, b), T.einsum("bij,bkj->bik", c, c), T.einsum("ii->", sq), T.einsum("ii->i", sq),
            T.einsum("ij->ji", a), T.einsum("i,j->ij", a[0], b[0]), T.einsum("bij->b", c),
            T.einsum("...ij,jk->...ik", c, T.tensor(B)), T.einsum("ij,ij->", a, a), T.einsum("ij", a),
            T.einsum("ij,jk", [a, b]), T.einsum("b i j , b k j -> b i k", c, c))


@case
def arithmetic_methods(T):
    x, y = T.tensor(A), T.tensor(A + 3.0)
    return (x.add(y, alpha=2), x.sub(y, alpha=0.5), x.mul(3), x.div(y), x.div(2, rounding_mode="floor"),
            x.div(2, rounding_mode="trunc"), x.neg(), x.pow(2), x.abs().sqrt(), x.exp().log(), x.sigmoid(), x.tanh(),
            x.relu())


# ---- in place, with autograd's checks ------------------------------------------------------------------------
@case
def inplace_methods(T):
    x = T.tensor(A)
    out = []
    for step in (lambda t: t.add_(T.ones(3, 4), alpha=2), lambda t: t.sub_(1.5), lambda t: t.sub_(t, alpha=0.5),
                 lambda t: t.mul_(2), lambda t: t.div_(4), lambda t: t.zero_(), lambda t: t.fill_(3),
                 lambda t: t.copy_(T.tensor(B.T.copy())), lambda t: t.clamp_(-1, 1.5), lambda t: t.exp_(),
                 lambda t: t.sqrt_(), lambda t: t.addcmul_(T.tensor(A), T.tensor(A), value=0.5),
                 lambda t: t.addcdiv_(T.tensor(A), T.tensor(A + 10.0), value=2)):
        returned = step(x)
        out.append((returned is x, x.clone()))
    return out


@case
def random_inplace(T):
    T.manual_seed(3)
    u = T.empty(2000).uniform_(-2, 3)
    n = T.zeros(20000).normal_(1.0, 0.5)
    return (bool((u >= -2).all() and (u < 3).all()), abs(float(u.mean()) - 0.5) < 0.1,
            abs(float(n.mean()) - 1.0) < 0.02, abs(float(n.std()) - 0.5) < 0.02)


@case
def inplace_version_checks(T):
    a = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2
    c = b * b  # saves b
    b.add_(1)
    try:
        c.sum().backward()
        saved_check = "no error"
    except RuntimeError:
        saved_check = "RuntimeError"
    try:
        a.add_(1)
        leaf_check = "no error"
    except RuntimeError:
        leaf_check = "RuntimeError"
    with T.no_grad():
        a.add_(1)
    return saved_check, leaf_check, a


@case
def data_and_grad_data(T):
    p = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (p * p).sum().backward()
    p.data.add_(p.grad, alpha=-0.1)  # the classic hand-written SGD step
    g = p.grad.data
    g.zero_()
    d = p.data
    d[0] = 10.0
    return p, p.requires_grad, p.grad, d.requires_grad, p.is_leaf


@case
def autograd_namespace(T):
    x = T.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (g,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), x)
    return g, gg


# ---- save / load -----------------------------------------------------------------------------------------
def _trained(T, nn):
    T.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with T.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(T.tensor(np.linspace(-1, 1, p.numel(), dtype=np.float32).reshape(tuple(p.shape)) * (i + 1)))
    opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = model(T.tensor(A)).pow(2).mean()
    loss.backward()
    opt.step()
    return model, opt


@case
def save_load_state_dicts(T, tmp_path):
    model, opt = _trained(T, T.nn)
    T.save(model.state_dict(), tmp_path / "m.pt")
    T.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 7, "best": 0.25,
            "history": [1.5, 0.75], "name": "mlp"}, tmp_path / "ckpt.pt")
    sd = T.load(tmp_path / "m.pt")
    ck = T.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    fresh, opt2 = _trained(T, T.nn)[0], None
    fresh.load_state_dict(ck["model"])
    opt2 = T.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(ck["optimizer"])
    buf = io.BytesIO()
    T.save({"w": T.ones(2)}, buf)
    buf.seek(0)
    return (dict(sd), ck["epoch"], ck["best"], ck["history"], ck["name"], ck["optimizer"]["param_groups"][0]["lr"],
            ck["optimizer"]["state"][0]["momentum_buffer"], dict(fresh.state_dict()), T.load(buf)["w"])


@case
def save_whole_module_needs_weights_only_false(T, tmp_path):
    model, _ = _trained(T, T.nn)
    T.save(model, tmp_path / "whole.pt")
    try:
        T.load(tmp_path / "whole.pt")
        refused = "loaded"
    except pickle.UnpicklingError as exc:
        refused = "weights_only" in str(exc)
    back = T.load(tmp_path / "whole.pt", weights_only=False)
    return refused, type(back).__name__, dict(back.state_dict()), back(T.tensor(A))


# ---- nn details ------------------------------------------------------------------------------------------
@case
def format_one_element(T):
    x = T.tensor(A)
    return "{:.2f}".format(x.sum()), f"{x[1, 2]:.3f}", "{:d}".format(T.tensor(3)), f"{x.mean()}"[:4]


@case
def pixel_shuffle(T):
    x = T.tensor(np.arange(2 * 8 * 3 * 2, dtype=np.float32).reshape(2, 8, 3, 2))
    up = T.nn.PixelShuffle(2)(x)
    return up, T.nn.PixelUnshuffle(2)(up), T.nn.functional.pixel_shuffle(x[:, :4], 2).shape


@case
def dropout2d_on_2d_input(T):
    T.manual_seed(0)
    x = T.ones(64, 32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = T.nn.Dropout2d(0.5)(x)
    values = set(np.unique(y.numpy()).tolist())
    rows_constant = all(len(set(r)) == 1 for r in y.numpy().tolist())
    warned = any(issubclass(w.category, UserWarning) for w in caught)
    return warned, values, rows_constant, 0.35 < float(y.mean()) < 0.65


@case
def flatten_parameters(T):
    T.manual_seed(0)
    lstm = T.nn.LSTM(3, 4, batch_first=True)
    return lstm.flatten_parameters(), [n for n, _ in lstm.named_parameters()]


@case
def nn_modules_import_paths(T):
    import importlib
    found = []
    for path, cls in [("conv", "Conv2d"), ("linear", "Linear"), ("batchnorm", "BatchNorm2d"), ("activation", "ReLU"),
                      ("loss", "CrossEntropyLoss"), ("pooling", "MaxPool2d"), ("dropout", "Dropout"),
                      ("rnn", "LSTM"), ("module", "Module"), ("container", "Sequential"), ("sparse", "Embedding"),
                      ("normalization", "LayerNorm"), ("transformer", "TransformerEncoderLayer"),
                      ("pixelshuffle", "PixelShuffle"), ("flatten", "Flatten"), ("instancenorm", "InstanceNorm2d")]:
        mod = importlib.import_module(f"{T.__name__}.nn.modules.{path}")
        found.append(getattr(mod, cls) is getattr(T.nn, cls))
    return found


@case
def data_parallel_passthrough(T):
    T.manual_seed(0)
    inner = T.nn.Linear(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nr warns that nothing is split; PyTorch without GPUs does not
        dp = T.nn.parallel.DataParallel(inner)
    x = T.tensor(A)
    return list(dp.state_dict()), bool((dp(x) == inner(x)).all()), T.nn.DataParallel is T.nn.parallel.DataParallel


@case
def import_layout(T):
    import importlib
    nn = importlib.import_module(f"{T.__name__}.nn")
    F = importlib.import_module(f"{T.__name__}.nn.functional")
    data = importlib.import_module(f"{T.__name__}.utils.data")
    sched = importlib.import_module(f"{T.__name__}.optim.lr_scheduler")
    return (nn is T.nn, F is T.nn.functional, data.DataLoader is T.utils.data.DataLoader,
            sched.StepLR is T.optim.lr_scheduler.StepLR, T.nn.init.zeros_ is not None,
            T.nn.utils.clip_grad_norm_ is not None)


def test_half_matches_pytorch():
    def run(T):
        x = T.tensor(A)
        return T.half, x.half(), x.to(T.half).float()
    assert_same(plain(run(neurarust)), plain(run(torch)), "half", rtol=1e-3)


@pytest.mark.parametrize("name", sorted(CASES))
def test_spelling_matches_pytorch(name, tmp_path):
    fn = CASES[name]

    def run(T):
        if fn.__code__.co_argcount == 1:
            return fn(T)
        folder = tmp_path / T.__name__  # each framework writes its own files
        folder.mkdir()
        return fn(T, folder)
    assert_same(plain(run(neurarust)), plain(run(torch)), name)
