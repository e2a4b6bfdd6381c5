"""Parity with HuggingFace transformers (PyTorch backend): small random models saved by ``save_pretrained`` as
safetensors, loaded by nr through ``from_hf_config`` + ``load_pretrained(source="huggingface")``; logits and
gradients of a loss must match in float32 and float64."""
from __future__ import annotations

import numpy as np
import pytest

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

import nr_core as nr  # noqa: E402
import nr_nn.functional as F  # noqa: E402
import nr_models  # noqa: E402

TOL = {"float32": dict(rtol=1e-4, atol=1e-4), "float64": dict(rtol=1e-8, atol=1e-8)}
NR_DTYPE = {"float32": nr.float32, "float64": nr.float64}
TORCH_DTYPE = {"float32": torch.float32, "float64": torch.float64}
NO_DROPOUT = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


def _configs():
    T = transformers
    return {
        "resnet_basic": (T.ResNetConfig(embedding_size=8, hidden_sizes=[8, 16, 24, 32], depths=[1, 2, 1, 1],
                                        layer_type="basic", num_labels=5), T.ResNetForImageClassification, "image32"),
        "resnet_bottleneck": (T.ResNetConfig(embedding_size=8, hidden_sizes=[16, 32, 48, 64], depths=[1, 1, 2, 1],
                                             layer_type="bottleneck", num_labels=4),
                              T.ResNetForImageClassification, "image32"),
        "vit": (T.ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                            image_size=16, patch_size=4, num_labels=3, **NO_DROPOUT),
                T.ViTForImageClassification, "image16"),
        "gpt2": (T.GPT2Config(vocab_size=61, n_positions=12, n_embd=32, n_layer=2, n_head=4, resid_pdrop=0.0,
                              embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0),
                 T.GPT2LMHeadModel, "tokens"),
        "bert": (T.BertConfig(vocab_size=53, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                              intermediate_size=40, max_position_embeddings=16, num_labels=3, **NO_DROPOUT),
                 T.BertForSequenceClassification, "tokens"),
    }


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """name -> (directory written by save_pretrained, the HF model, its input kind)."""
    out = {}
    for i, (name, (config, cls, kind)) in enumerate(_configs().items()):
        torch.manual_seed(i)
        model = cls(config).eval()
        with torch.no_grad():  # non-trivial norm statistics and affine parameters, so loading them is checked
            for mod in model.modules():
                if isinstance(mod, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                    mod.weight.uniform_(0.5, 1.5)
                    mod.bias.uniform_(-0.3, 0.3)
                if isinstance(mod, torch.nn.BatchNorm2d):
                    mod.running_mean.uniform_(-0.2, 0.2)
                    mod.running_var.uniform_(0.5, 1.5)
        path = tmp_path_factory.mktemp(name)
        model.save_pretrained(path, safe_serialization=True)
        out[name] = (path, model, kind)
    return out


def _inputs(kind: str, rng: np.random.Generator):
    if kind.startswith("image"):
        size = int(kind[len("image"):])
        return {"x": rng.standard_normal((2, 3, size, size))}
    ids = rng.integers(1, 50, size=(2, 10))
    mask = np.ones((2, 10), dtype=np.int64)
    mask[1, 7:] = 0  # a padded second sequence (BERT)
    return {"ids": ids, "mask": mask}


def _hf_logits(name, model, inp, dtype):
    if "x" in inp:
        x = torch.tensor(inp["x"], dtype=TORCH_DTYPE[dtype], requires_grad=True)
        return model(pixel_values=x).logits, x
    ids = torch.tensor(inp["ids"])
    if name == "bert":
        return model(input_ids=ids, attention_mask=torch.tensor(inp["mask"])).logits, None
    return model(input_ids=ids).logits, None


def _nr_logits(name, model, inp, dtype):
    if "x" in inp:
        x = nr.asarray(inp["x"], dtype=NR_DTYPE[dtype], requires_grad=True)
        return model(x), x
    ids = nr.asarray(inp["ids"])
    if name == "bert":
        return model(ids, attention_mask=nr.asarray(inp["mask"])), None
    return model(ids), None


def _loss_torch(logits, labels):
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))


def _loss_nr(logits, labels):
    return F.cross_entropy(nr.reshape(logits, (-1, logits.shape[-1])), nr.reshape(labels, (-1,)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["resnet_basic", "resnet_bottleneck", "vit", "gpt2", "bert"])
def test_logits_and_gradients_match_transformers(saved, name, dtype):
    path, hf, kind = saved[name]
    hf = hf.to(TORCH_DTYPE[dtype])
    hf.zero_grad()
    ours = nr_models.from_hf_config(hf.config.to_dict()).to(NR_DTYPE[dtype]).eval()
    result = nr_models.load_pretrained(ours, path, source="huggingface")
    assert not result.missing_keys and not result.unexpected_keys and not result.mismatched_keys

    inp = _inputs(kind, np.random.default_rng(7))
    ref, ref_x = _hf_logits(name, hf, inp, dtype)
    got, got_x = _nr_logits(name, ours, inp, dtype)
    np.testing.assert_allclose(got.detach().numpy(), ref.detach().numpy(), **TOL[dtype])

    # a loss over every output: next-token labels for GPT-2, class labels otherwise
    labels = np.random.default_rng(3).integers(0, ref.shape[-1], size=ref.shape[:-1])
    _loss_torch(ref, torch.tensor(labels)).backward()
    _loss_nr(got, nr.asarray(labels)).backward()
    if ref_x is not None:
        np.testing.assert_allclose(got_x.grad.numpy(), ref_x.grad.numpy(), **TOL[dtype])
    hf_grads = {k: p.grad.detach().numpy() for k, p in hf.named_parameters() if p.grad is not None}
    keymap = type(ours).key_maps["huggingface"]
    mapped, lacking = keymap.apply(hf_grads, set(ours.state_dict()))
    assert not lacking
    params = dict(ours.named_parameters())
    compared = [k for k in params if k in mapped]
    assert len(compared) == len(params), sorted(set(params) - set(compared))
    for key in compared:
        np.testing.assert_allclose(params[key].grad.numpy(), mapped[key], err_msg=key, **TOL[dtype])


def test_gpt2_greedy_generation_matches_transformers(saved):
    _, hf, _ = saved["gpt2"]
    hf = hf.float()
    ours = nr_models.from_hf_config(hf.config.to_dict())
    nr_models.load_pretrained(ours, saved["gpt2"][0], source="huggingface")
    prompt = np.array([[5, 17, 3], [9, 2, 44]])
    ref = hf.generate(torch.tensor(prompt), max_new_tokens=6, do_sample=False, pad_token_id=0,
                      eos_token_id=None).numpy()
    got = ours.generate(nr.asarray(prompt), max_new_tokens=6, temperature=0).numpy()
    np.testing.assert_array_equal(got, ref)
