"""Attention parity with PyTorch: scaled_dot_product_attention, MultiheadAttention (masks, kdim/vdim,
bias_kv, zero_attn, batch_first, causal), Transformer encoder/decoder layers and the full Transformer."""
import numpy as np
import pytest

from nn_parity import check, randn, torch

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F

L, S, N, E, H = 4, 5, 2, 8, 2


def _lib(x):
    return nr.asarray if isinstance(x, nr.Tensor) else torch.tensor


def _bool_mask(shape, seed):
    m = np.random.default_rng(seed).random(shape) < 0.3
    m[..., 0] = False  # every query keeps one key, so no row is fully masked
    return m


SDPA = [
    ({}, None),
    ({"is_causal": True}, None),
    ({"scale": 0.3}, None),
    ({}, "bool"),
    ({}, "float"),
]


@pytest.mark.parametrize("kwargs,mask", SDPA, ids=[f"sdpa{i}" for i in range(len(SDPA))])
def test_scaled_dot_product_attention(kwargs, mask):
    q, k, v = randn(N, H, L, E, seed=1), randn(N, H, S if not kwargs.get("is_causal") else L, E, seed=2), \
        randn(N, H, S if not kwargs.get("is_causal") else L, 3, seed=3)
    m = None
    if mask == "bool":
        m = ~_bool_mask((L, S), 4)  # True = may attend (sdpa's convention)
    elif mask == "float":
        m = randn(N, 1, L, S, seed=5)
    fns = {"nr": F.scaled_dot_product_attention, "torch": torch.nn.functional.scaled_dot_product_attention}

    def call(_, q_, k_, v_):
        lib = "nr" if isinstance(q_, nr.Tensor) else "torch"
        mm = None if m is None else (nr.asarray(m) if lib == "nr" else torch.tensor(m))
        return fns[lib](q_, k_, v_, attn_mask=mm, **kwargs)
    check(None, None, [q, k, v], call=call)


MHA = [
    ({}, {}),
    ({"bias": False}, {}),
    ({"batch_first": True}, {}),
    ({"kdim": 6, "vdim": 3}, {}),
    ({"add_bias_kv": True}, {}),
    ({"add_zero_attn": True}, {"key_padding_mask": "bool"}),
    ({}, {"attn_mask": "bool2d"}),
    ({}, {"attn_mask": "float3d"}),
    ({}, {"key_padding_mask": "bool"}),
    ({}, {"key_padding_mask": "float", "attn_mask": "float2d"}),
    ({"batch_first": True}, {"attn_mask": "bool2d", "key_padding_mask": "bool", "average_attn_weights": False}),
    ({}, {"self": True, "attn_mask": "causal", "is_causal": True}),
    ({}, {"need_weights": False}),
]


def _mha_mask(kind, seed):
    if kind == "bool2d":
        return _bool_mask((L, S), seed)
    if kind == "float2d":
        return randn(L, S, seed=seed)
    if kind == "float3d":
        return randn(N * H, L, S, seed=seed)
    if kind == "causal":
        return np.triu(np.ones((L, L), dtype=bool), 1)
    return None


@pytest.mark.parametrize("ctor,fwd", MHA, ids=[f"mha{i}" for i in range(len(MHA))])
def test_multihead_attention(ctor, fwd):
    fwd = dict(fwd)
    self_attn = fwd.pop("self", False)
    bf = ctor.get("batch_first", False)
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    s = L if self_attn else S

    def seq(n, d, seed):
        return randn(N, n, d, seed=seed) if bf else randn(n, N, d, seed=seed)
    q = seq(L, E, 1)
    inputs = [q, q, q] if self_attn else [q, seq(s, kdim, 2), seq(s, vdim, 3)]
    attn_mask = _mha_mask(fwd.pop("attn_mask", None), 6)
    kpm_kind = fwd.pop("key_padding_mask", None)
    kpm = None
    if kpm_kind == "bool":
        kpm = _bool_mask((N, s), 7)
    elif kpm_kind == "float":
        kpm = randn(N, s, seed=7)

    def call(m, *xs):
        lib = _lib(xs[0])
        masks = {k: lib(v) for k, v in (("attn_mask", attn_mask), ("key_padding_mask", kpm)) if v is not None}
        return m(*xs, **masks, **fwd)
    nr_mod, t_mod = nn.MultiheadAttention(E, H, **ctor), torch.nn.MultiheadAttention(E, H, **ctor)
    check(nr_mod, t_mod, inputs, call=call, grad_inputs=(1, 2) if self_attn else True)


def test_multihead_attention_unbatched():
    nr_mod, t_mod = nn.MultiheadAttention(E, H), torch.nn.MultiheadAttention(E, H)
    check(nr_mod, t_mod, [randn(L, E, seed=1), randn(S, E, seed=2), randn(S, E, seed=3)])


LAYER = [
    {},
    {"norm_first": True},
    {"batch_first": True, "activation": "gelu"},
    {"bias": False, "layer_norm_eps": 1e-3},
]


@pytest.mark.parametrize("kwargs", LAYER, ids=[f"enc{i}" for i in range(len(LAYER))])
@pytest.mark.parametrize("masked", [False, True])
def test_transformer_encoder_layer(kwargs, masked):
    ctor = dict(d_model=E, nhead=H, dim_feedforward=16, dropout=0.0, **kwargs)
    nr_mod, t_mod = nn.TransformerEncoderLayer(**ctor), torch.nn.TransformerEncoderLayer(**ctor)
    x = randn(N, L, E, seed=1) if kwargs.get("batch_first") else randn(L, N, E, seed=1)
    mask = np.triu(np.ones((L, L), dtype=bool), 1) if masked else None
    kpm = _bool_mask((N, L), 3) if masked else None

    def call(m, x_):
        lib = _lib(x_)
        if mask is None:
            return m(x_)
        return m(x_, src_mask=lib(mask), src_key_padding_mask=lib(kpm))
    t_mod.eval()  # torch's training-mode fast path is off either way; eval keeps dropout out of the picture
    nr_mod.eval()
    check(nr_mod, t_mod, [x], call=call)


@pytest.mark.parametrize("kwargs", LAYER, ids=[f"dec{i}" for i in range(len(LAYER))])
def test_transformer_decoder_layer(kwargs):
    ctor = dict(d_model=E, nhead=H, dim_feedforward=16, dropout=0.0, **kwargs)
    nr_mod, t_mod = nn.TransformerDecoderLayer(**ctor), torch.nn.TransformerDecoderLayer(**ctor)
    bf = kwargs.get("batch_first")
    tgt = randn(N, L, E, seed=1) if bf else randn(L, N, E, seed=1)
    mem = randn(N, S, E, seed=2) if bf else randn(S, N, E, seed=2)
    causal = np.triu(np.ones((L, L), dtype=bool), 1)
    check(nr_mod, t_mod, [tgt, mem], call=lambda m, t, s: m(t, s, tgt_mask=_lib(t)(causal)))


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(batch_first):
    ctor = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0,
                batch_first=batch_first)
    nr_mod, t_mod = nn.Transformer(**ctor), torch.nn.Transformer(**ctor)
    assert list(nr_mod.state_dict()) == list(t_mod.state_dict())
    src = randn(N, S, E, seed=1) if batch_first else randn(S, N, E, seed=1)
    tgt = randn(N, L, E, seed=2) if batch_first else randn(L, N, E, seed=2)
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64).numpy()
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(L, dtype=nr.float64).numpy(), t_mask)
    check(nr_mod, t_mod, [src, tgt], call=lambda m, s, t: m(s, t, tgt_mask=_lib(s)(t_mask)))


def test_transformer_encoder_stack_with_norm():
    layer_kw = dict(d_model=E, nhead=H, dim_feedforward=16, dropout=0.0)
    nr_mod = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer_kw), 3, nn.LayerNorm(E))
    t_mod = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(**layer_kw), 3, torch.nn.LayerNorm(E),
                                        enable_nested_tensor=False)
    check(nr_mod, t_mod, [randn(L, N, E, seed=4)])


@pytest.mark.parametrize("ctor,masks", [
    ({}, {}),
    ({"batch_first": True}, {"attn_mask": "bool2d", "key_padding_mask": True}),
    ({"bias": False}, {"attn_mask": "float3d"}),
    ({"batch_first": True, "bias": False}, {"need_weights": False}),
])
def test_multihead_self_attention_on_one_input(ctor, masks):
    """query, key and value one and the same array: the packed in-projection (one GEMM, heads split as views)."""
    masks = dict(masks)
    bf = ctor.get("batch_first", False)
    x = randn(N, L, E, seed=1) if bf else randn(L, N, E, seed=1)
    attn_mask = _mha_mask(masks.pop("attn_mask", None), 6)
    kpm = _bool_mask((N, L), 7) if masks.pop("key_padding_mask", False) else None
    if attn_mask is not None and attn_mask.shape[-1] != L:
        attn_mask = attn_mask[..., :L]

    def call(m, x):
        lib = _lib(x)
        extra = {k: lib(v) for k, v in (("attn_mask", attn_mask), ("key_padding_mask", kpm)) if v is not None}
        return m(x, x, x, **extra, **masks)
    check(nn.MultiheadAttention(E, H, **ctor), torch.nn.MultiheadAttention(E, H, **ctor), [x], call=call)


def test_packed_self_attention_equals_the_unpacked_path_with_dropout():
    """One input array (packed projection and attention) against three equal arrays (three projections), same
    seed: the same dropout draws, outputs and gradients equal to rounding."""
    results = []
    for same in (True, False):
        nr.random.seed(3)
        m = nn.MultiheadAttention(E, H, dropout=0.3, batch_first=True).double()
        x = nr.asarray(randn(N, L, E, seed=1), requires_grad=True)
        q, k, v = (x, x, x) if same else (x, x * 1.0, x * 1.0)
        out, w = m(q, k, v)
        (out * nr.asarray(randn(N, L, E, seed=2))).sum().backward()
        results.append((out.detach().numpy(), w.detach().numpy(), x.grad.numpy(), m.in_proj_weight.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
