"""``load_pretrained``: safetensors only, ``module.`` prefixes, one error listing every bad key, casting, heads."""
from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

import nr_core as nr
import nr_nn as nn
import nr_models
from nr_models import PretrainedMismatchError, load_pretrained


def small_resnet(num_classes: int = 10):
    return nr_models.ResNet(nr_models.BasicBlock, [1, 1, 1, 1], num_classes, channels=(4, 8, 8, 8), stem_channels=4)


def marked_state(model, offset: float = 0.0) -> dict:
    """A state dict whose every entry holds a value of its own (its position), so misplaced loads show."""
    return {k: np.full(v.shape, i + offset, dtype=v.dtype.numpy) for i, (k, v) in enumerate(model.state_dict().items())}


def test_loads_a_safetensors_file_and_a_save_pretrained_directory(tmp_path):
    model = small_resnet()
    state = marked_state(model, 0.5)
    save_file(state, str(tmp_path / "model.safetensors"))
    for where in (tmp_path / "model.safetensors", tmp_path, str(tmp_path)):
        fresh = small_resnet()
        assert load_pretrained(fresh, where, source="torchvision") == ([], [], [])
        for key, value in fresh.state_dict().items():
            np.testing.assert_array_equal(value.numpy(), state[key], err_msg=key)


def test_loads_sharded_checkpoints_through_their_index(tmp_path):
    model = small_resnet()
    state = marked_state(model)
    keys = sorted(state)
    halves = {"a.safetensors": keys[: len(keys) // 2], "b.safetensors": keys[len(keys) // 2:]}
    for name, part in halves.items():
        save_file({k: state[k] for k in part}, str(tmp_path / name))
    index = {"weight_map": {k: name for name, part in halves.items() for k in part}}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    fresh = small_resnet()
    load_pretrained(fresh, tmp_path, source="nr")
    np.testing.assert_array_equal(fresh.fc.weight.detach().numpy(), state["fc.weight"])


def test_module_and_compile_prefixes_are_removed():
    model = small_resnet()
    state = marked_state(model, 2.0)
    wrapped = {f"module.{k}": v for k, v in state.items()}
    wrapped["module.module._orig_mod.fc.bias"] = wrapped.pop("module.fc.bias")
    load_pretrained(model, wrapped, source="torchvision")
    np.testing.assert_array_equal(model.fc.bias.detach().numpy(), state["fc.bias"])


def test_every_missing_unexpected_and_mismatched_key_in_one_error():
    model = small_resnet()
    state = marked_state(model)
    del state["layer1.0.conv1.weight"], state["bn1.running_var"]
    state["extra.weight"] = np.zeros(3, np.float32)
    state["fc.weight"] = np.zeros((7, 8), np.float32)
    state["conv1.weight"] = np.zeros((4, 3, 3, 3), np.float32)
    before = model.fc.weight.detach().numpy().copy()
    with pytest.raises(PretrainedMismatchError) as info:
        load_pretrained(model, state, source="torchvision")
    msg = str(info.value)
    for needle in ("missing keys (2)", "'layer1.0.conv1.weight'", "'bn1.running_var'", "unexpected keys (1)",
                   "'extra.weight'", "shape mismatches (2)", "'fc.weight' checkpoint (7, 8) vs model (10, 8)",
                   "'conv1.weight' checkpoint (4, 3, 3, 3) vs model (4, 3, 7, 7)", "ResNet", "torchvision"):
        assert needle in msg, (needle, msg)
    r = info.value.result
    assert sorted(r.missing_keys) == ["bn1.running_var", "layer1.0.conv1.weight"]
    assert r.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(model.fc.weight.detach().numpy(), before)  # nothing was copied


def test_non_strict_reports_and_a_new_head_keeps_its_init():
    donor = small_resnet(num_classes=10)
    state = marked_state(donor, 1.0)
    model = small_resnet(num_classes=3)
    head = model.fc.weight.detach().numpy().copy()
    with pytest.raises(PretrainedMismatchError, match="ignore_mismatched_sizes=True"):
        load_pretrained(model, state, source="torchvision")
    r = load_pretrained(model, state, source="torchvision", ignore_mismatched_sizes=True)
    assert [k for k, _, _ in r.mismatched_keys] == ["fc.weight", "fc.bias"]
    np.testing.assert_array_equal(model.fc.weight.detach().numpy(), head)
    np.testing.assert_array_equal(model.conv1.weight.detach().numpy(), state["conv1.weight"])
    del state["bn1.bias"]
    state["stray"] = np.zeros(1, np.float32)
    r = load_pretrained(small_resnet(), state, source="torchvision", strict=False)
    assert r.missing_keys == ["bn1.bias"] and r.unexpected_keys == ["stray"]


def test_values_are_cast_to_the_model_dtype():
    model = small_resnet()
    state = {k: (v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in marked_state(model).items()}
    load_pretrained(model, state, source="torchvision")
    assert model.fc.weight.dtype is nr.float32
    model64 = small_resnet().double()
    load_pretrained(model64, marked_state(small_resnet()), source="nr")
    assert model64.fc.weight.dtype is nr.float64 and model64.bn1.num_batches_tracked.dtype is nr.int64


def test_pickle_and_other_files_are_refused(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.zeros(2)}, tmp_path / "model.pt")
    with pytest.raises(ValueError, match="pickle"):
        load_pretrained(small_resnet(), tmp_path / "model.pt")
    (tmp_path / "old.bin").write_bytes(b"\x80\x02}q\x00.")
    with pytest.raises(ValueError, match="pickle"):
        load_pretrained(small_resnet(), tmp_path / "old.bin")
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="not a safetensors file"):
        load_pretrained(small_resnet(), tmp_path / "junk.safetensors")
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_pretrained(small_resnet(), tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_pretrained(small_resnet(), tmp_path / "absent.safetensors")


def test_torch_state_dicts_load_directly():
    torch = pytest.importorskip("torch")
    model = small_resnet()
    state = {k: torch.from_numpy(v) for k, v in marked_state(model, 3.0).items()}
    load_pretrained(model, state, source="torchvision")
    np.testing.assert_array_equal(model.layer4[0].bn2.weight.detach().numpy(), state["layer4.0.bn2.weight"].numpy())


def test_bad_arguments():
    with pytest.raises(ValueError, match="source must be one of"):
        load_pretrained(small_resnet(), {}, source="timm")
    with pytest.raises(ValueError, match="VGG has no key map for source 'huggingface'"):
        load_pretrained(nr_models.VGG(nr_models.make_layers([4, "M"]), 3, hidden=8, pool_size=1), {},
                        source="huggingface")
    with pytest.raises(TypeError, match="nr_nn.Module"):
        load_pretrained(object(), {})
    with pytest.raises(TypeError, match="state dict"):
        load_pretrained(small_resnet(), 42)
    plain = nn.Linear(2, 3)
    load_pretrained(plain, {"weight": np.ones((3, 2), np.float32), "bias": np.zeros(3, np.float32)})
    np.testing.assert_array_equal(plain.weight.detach().numpy(), np.ones((3, 2)))


def test_huggingface_resnet_names_with_the_wrong_source_get_a_hint():
    model = small_resnet()
    hf = {}
    for k, v in marked_state(model).items():  # HuggingFace's names for the stem and the head only
        k = k.replace("conv1.weight", "resnet.embedder.embedder.convolution.weight") if k == "conv1.weight" else k
        k = "classifier.1." + k[len("fc."):] if k.startswith("fc.") else k
        hf[k] = v
    with pytest.raises(PretrainedMismatchError, match="look like source='huggingface'"):
        load_pretrained(model, hf, source="torchvision")
    load_pretrained(model, hf, source="huggingface")


def test_gpt2_checkpoints_without_head_prefix_or_with_old_mask_buffers_load():
    config = dict(vocab_size=40, n_positions=8, n_embd=16, n_layer=2, n_head=2)
    donor = nr_models.gpt2(config)
    base = {k[len("transformer."):]: v for k, v in marked_state(donor).items() if k.startswith("transformer.")}
    base["h.0.attn.bias"] = np.tril(np.ones((1, 1, 8, 8), np.float32))  # what old checkpoints carried
    base["h.1.attn.masked_bias"] = np.array(-1e4, np.float32)
    model = nr_models.gpt2(config)
    assert load_pretrained(model, base, source="huggingface") == ([], [], [])
    # the LM head is tied to the token embedding, so it came with it
    assert model.lm_head.weight is model.transformer.wte.weight
    np.testing.assert_array_equal(model.lm_head.weight.detach().numpy(), base["wte.weight"])


def test_bert_old_gamma_beta_names_and_bare_encoder_from_a_classifier_checkpoint():
    config = dict(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=12,
                  max_position_embeddings=10)
    clf = nr_models.bert(config, num_labels=2)
    state = marked_state(clf)
    old = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
           for k, v in state.items()}
    old["bert.embeddings.position_ids"] = np.arange(10)[None]
    fresh = nr_models.bert(config, num_labels=2)
    assert load_pretrained(fresh, old, source="huggingface") == ([], [], [])
    np.testing.assert_array_equal(fresh.bert.embeddings.LayerNorm.bias.detach().numpy(),
                                  state["bert.embeddings.LayerNorm.bias"])
    encoder = nr_models.bert(config)  # bare: the "bert." prefix goes, the classifier is left over
    r = load_pretrained(encoder, state, source="huggingface", strict=False)
    assert r.missing_keys == [] and r.unexpected_keys == ["classifier.weight", "classifier.bias"]


@pytest.mark.parametrize("build, head", [
    (lambda: small_resnet(), "fc"),
    (lambda: nr_models.VGG(nr_models.make_layers([4, "M", 8, "M"], batch_norm=True), 10, hidden=16, pool_size=2),
     "classifier.6"),
    (lambda: nr_models.MobileNetV2(num_classes=10, width_mult=0.25), "classifier.1"),
    (lambda: nr_models.VisionTransformer(16, 8, 1, 2, 8, 16, num_classes=10), "heads.head"),
])
def test_replace_head_swaps_the_last_layer_in_place(build, head):
    model = build().double()
    order = list(model.state_dict())
    new = model.replace_head(4)
    assert model.head is new and model.get_submodule(head) is new
    assert new.out_features == 4 and new.weight.dtype is nr.float64
    assert list(model.state_dict()) == order  # the head keeps its place and names
    x = nr.random.normal((2, 3, 16, 16), dtype=nr.float64)
    assert model.eval()(x).shape == (2, 4)
    with pytest.raises(ValueError, match="num_classes"):
        model.replace_head(0)
