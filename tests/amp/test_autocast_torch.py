"""Under ``autocast("cpu", dtype=bfloat16)`` every op of PyTorch's CPU autocast lists that nr has returns the dtype
PyTorch 2.13.0 returns, for float32 and for bfloat16 inputs: the test runs both on the same inputs."""
from __future__ import annotations

import numpy as np
import pytest

import nr_core as nr
import nr_nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

_rng = np.random.default_rng(0)
_A = _rng.normal(size=(3, 3)) + 3 * np.eye(3)
_SPD = _A @ _A.T


def _f(*shape):
    return ("f", _rng.normal(size=shape))


def _pos(*shape):
    return ("f", _rng.uniform(0.1, 0.9, size=shape))


def _i(values):
    return ("i", np.asarray(values, dtype=np.int64))


def _sign(*shape):
    return ("i", np.where(_rng.normal(size=shape) > 0, 1, -1).astype(np.int64))


# name: (PyTorch's list, inputs, nr call, torch call); floating inputs take the dtype under test
CASES = {
    "conv1d": ("low", [_f(1, 2, 5), _f(3, 2, 2)], F.conv1d, TF.conv1d),
    "conv2d": ("low", [_f(1, 2, 5, 5), _f(3, 2, 2, 2), _f(3)], F.conv2d, TF.conv2d),
    "conv3d": ("low", [_f(1, 1, 3, 3, 3), _f(2, 1, 2, 2, 2)], F.conv3d, TF.conv3d),
    "conv_transpose1d": ("low", [_f(1, 2, 4), _f(2, 3, 2)], F.conv_transpose1d, TF.conv_transpose1d),
    "conv_transpose2d": ("low", [_f(1, 2, 3, 3), _f(2, 3, 2, 2)], F.conv_transpose2d, TF.conv_transpose2d),
    "conv_transpose3d": ("low", [_f(1, 1, 2, 2, 2), _f(1, 2, 2, 2, 2)], F.conv_transpose3d, TF.conv_transpose3d),
    "mm": ("low", [_f(3, 4), _f(4, 2)], nr.matmul, torch.mm),
    "bmm": ("low", [_f(2, 3, 4), _f(2, 4, 2)], nr.matmul, torch.bmm),
    "matmul": ("low", [_f(2, 3, 4), _f(4, 2)], nr.matmul, torch.matmul),
    "linalg_vecdot": ("low", [_f(3, 4), _f(3, 4)], nr.vecdot, torch.linalg.vecdot),
    "linear": ("low", [_f(2, 4), _f(3, 4), _f(3)], F.linear, TF.linear),
    "prelu": ("low", [_f(2, 3, 4), _pos(3)], F.prelu, TF.prelu),
    "scaled_dot_product_attention": ("low", [_f(1, 2, 3, 4), _f(1, 2, 5, 4), _f(1, 2, 5, 4)],
                                     F.scaled_dot_product_attention, TF.scaled_dot_product_attention),
    "prod": ("fp32", [_f(3, 4)], nr.prod, torch.prod),
    "trace": ("fp32", [_f(3, 3)], nr.linalg.trace, torch.trace),
    "avg_pool3d": ("fp32", [_f(1, 1, 2, 2, 2)], lambda x: F.avg_pool3d(x, 2), lambda x: TF.avg_pool3d(x, 2)),
    "max_pool3d": ("fp32", [_f(1, 1, 2, 2, 2)], lambda x: F.max_pool3d(x, 2), lambda x: TF.max_pool3d(x, 2)),
    "adaptive_avg_pool3d": ("fp32", [_f(1, 1, 2, 2, 2)], lambda x: F.adaptive_avg_pool3d(x, 1),
                            lambda x: TF.adaptive_avg_pool3d(x, 1)),
    "linalg_inv": ("fp32", [("f", _A)], nr.linalg.inv, torch.linalg.inv),
    "linalg_solve": ("fp32", [("f", _A), _f(3, 2)], nr.linalg.solve, torch.linalg.solve),
    "linalg_cholesky": ("fp32", [("f", _SPD)], nr.linalg.cholesky, torch.linalg.cholesky),
    "linalg_qr": ("fp32", [("f", _A)], lambda a: nr.linalg.qr(a)[0], lambda a: torch.linalg.qr(a)[0]),
    "linalg_svd": ("fp32", [("f", _A)], lambda a: nr.linalg.svd(a)[1], lambda a: torch.linalg.svd(a)[1]),
    "linalg_svdvals": ("fp32", [("f", _A)], nr.linalg.svdvals, torch.linalg.svdvals),
    "linalg_eigh": ("fp32", [("f", _SPD)], lambda a: nr.linalg.eigh(a)[0], lambda a: torch.linalg.eigh(a)[0]),
    "linalg_eigvalsh": ("fp32", [("f", _SPD)], nr.linalg.eigvalsh, torch.linalg.eigvalsh),
    "fft_rfft": ("fp32", [_f(2, 8)], nr.fft.rfft, torch.fft.rfft),
    "fft_ihfft": ("fp32", [_f(2, 8)], nr.fft.ihfft, torch.fft.ihfft),
    "mse_loss": ("fp32", [_f(3, 4), _f(3, 4)], F.mse_loss, TF.mse_loss),
    "l1_loss": ("fp32", [_f(3, 4), _f(3, 4)], F.l1_loss, TF.l1_loss),
    "smooth_l1_loss": ("fp32", [_f(3, 4), _f(3, 4)], F.smooth_l1_loss, TF.smooth_l1_loss),
    "huber_loss": ("fp32", [_f(3, 4), _f(3, 4)], F.huber_loss, TF.huber_loss),
    "nll_loss": ("fp32", [_f(3, 4), _i([0, 3, 1])], F.nll_loss, TF.nll_loss),
    "cross_entropy_loss": ("fp32", [_f(3, 4), _i([0, 3, 1])], F.cross_entropy, TF.cross_entropy),
    "binary_cross_entropy": ("fp32", [_pos(3, 4), _pos(3, 4)], F.binary_cross_entropy, TF.binary_cross_entropy),
    "binary_cross_entropy_with_logits": ("fp32", [_f(3, 4), _pos(3, 4)], F.binary_cross_entropy_with_logits,
                                         TF.binary_cross_entropy_with_logits),
    "kl_div": ("fp32", [_f(3, 4), _pos(3, 4)], F.kl_div, TF.kl_div),
    "poisson_nll_loss": ("fp32", [_f(3, 4), _pos(3, 4)], F.poisson_nll_loss, TF.poisson_nll_loss),
    "cosine_embedding_loss": ("fp32", [_f(3, 4), _f(3, 4), _sign(3)], F.cosine_embedding_loss,
                              TF.cosine_embedding_loss),
    "margin_ranking_loss": ("fp32", [_f(3), _f(3), _sign(3)], F.margin_ranking_loss, TF.margin_ranking_loss),
    "hinge_embedding_loss": ("fp32", [_f(3, 4), _sign(3, 4)], F.hinge_embedding_loss, TF.hinge_embedding_loss),
    "soft_margin_loss": ("fp32", [_f(3, 4), _sign(3, 4)], F.soft_margin_loss, TF.soft_margin_loss),
    "triplet_margin_loss": ("fp32", [_f(3, 4), _f(3, 4), _f(3, 4)], F.triplet_margin_loss, TF.triplet_margin_loss),
    "multi_margin_loss": ("fp32", [_f(3, 4), _i([0, 3, 1])], F.multi_margin_loss, TF.multi_margin_loss),
    "multilabel_margin_loss": ("fp32", [_f(2, 4), _i([[0, 3, -1, 0], [1, -1, 0, 0]])], F.multilabel_margin_loss,
                               TF.multilabel_margin_loss),
    # not on PyTorch's lists: runs in its input's dtype, float32 statistics and affine terms allowed with 16 bits
    "batch_norm": ("unchanged", [_f(2, 3, 4), ("f32", _rng.normal(size=3)), ("f32", _rng.uniform(0.5, 1.5, size=3)),
                                 ("f32", _rng.normal(size=3)), ("f32", _rng.normal(size=3))],
                   lambda *a: F.batch_norm(*a, training=True), lambda *a: TF.batch_norm(*a, training=True)),
    "stack": ("promote", [_f(2, 3), ("f32", _rng.normal(size=(2, 3)))], lambda a, b: nr.stack([a, b]),
              lambda a, b: torch.stack([a, b])),
    "cat": ("promote", [_f(2, 3), ("f32", _rng.normal(size=(2, 3)))], lambda a, b: nr.concat([a, b]),
            lambda a, b: torch.cat([a, b])),
}

_TORCH = {nr.float32: torch.float32, nr.bfloat16: torch.bfloat16}
_NAMES = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.complex64: "complex64",
          torch.float64: "float64"}


def _inputs(spec, dt):
    nrs, ts = [], []
    for kind, a in spec:
        if kind == "i":
            nrs.append(nr.asarray(a))
            ts.append(torch.from_numpy(a))
            continue
        target = nr.float32 if kind == "f32" else dt  # "f32": stays float32 whatever the dtype under test
        x = nr.astype(nr.asarray(a.astype(np.float32)), target)
        nrs.append(x)
        ts.append(torch.from_numpy(a.astype(np.float32)).to(_TORCH[target]))
    return nrs, ts


@pytest.mark.parametrize("input_dtype", [nr.float32, nr.bfloat16], ids=["float32-inputs", "bfloat16-inputs"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_output_dtype_matches_torch(name, input_dtype):
    listed, spec, nr_fn, torch_fn = CASES[name]
    nrs, ts = _inputs(spec, input_dtype)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        want = torch_fn(*ts).dtype
    with nr.autocast("cpu", dtype=nr.bfloat16):
        got = nr_fn(*nrs).dtype
    assert got.name == _NAMES[want], f"{name} ({listed} in PyTorch's CPU list): nr gives {got}, torch {want}"


def test_the_cases_cover_every_policy_of_the_cpu_lists():
    # each case's op or function carries the policy PyTorch's list names (mm/bmm are nr's matmul)
    aliases = {"mm": "matmul", "bmm": "matmul", "linalg_vecdot": "vecdot", "cross_entropy_loss": "cross_entropy",
               "cat": "concat"}
    for name, (listed, *_rest) in CASES.items():
        own = aliases.get(name, name.removeprefix("linalg_").removeprefix("fft_"))
        assert nr.amp.policy(own) == listed, f"{own}: nr's policy {nr.amp.policy(own)} != PyTorch's list {listed}"


@pytest.mark.parametrize("layer", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_match_torch(layer):
    """The sequence ops (one per layer and direction) return PyTorch's dtypes: RNN and LSTM in bfloat16 (its
    ``mkldnn_rnn_layer`` is on the lower-precision list), GRU in float32."""
    import nr_nn as nn
    torch.manual_seed(0)
    tm = getattr(torch.nn, layer)(4, 5)
    x = torch.randn(3, 2, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        want = tm(x)[0].dtype
    with nr.autocast("cpu", dtype=nr.bfloat16):
        got = getattr(nn, layer)(4, 5)(nr.asarray(x.numpy()))[0].dtype
    assert got.name == _NAMES[want], f"{layer}: nr gives {got}, torch {want}"
