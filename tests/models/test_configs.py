"""Building models from HuggingFace config dicts: defaults, files, and clear errors for what does not fit."""
from __future__ import annotations

import json

import numpy as np
import pytest

import nr_core as nr
import nr_models

GPT2 = dict(model_type="gpt2", vocab_size=30, n_positions=8, n_embd=16, n_layer=1, n_head=2)
BERT = dict(model_type="bert", vocab_size=30, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
            intermediate_size=24, max_position_embeddings=8)


def test_configs_come_as_dicts_or_config_json_and_dispatch_on_model_type(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(GPT2))
    model = nr_models.gpt2(tmp_path / "config.json")
    assert isinstance(model, nr_models.GPT2LMHeadModel) and model.config.n_inner is None
    assert model.transformer.h[0].mlp.c_fc.weight.shape == (16, 64)  # n_inner None: 4 * n_embd, as HF
    assert isinstance(nr_models.from_hf_config(GPT2), nr_models.GPT2LMHeadModel)
    assert isinstance(nr_models.from_hf_config(BERT), nr_models.BertModel)
    clf = nr_models.from_hf_config({**BERT, "architectures": ["BertForSequenceClassification"],
                                    "id2label": {"0": "neg", "1": "pos", "2": "mixed"}})
    assert clf.classifier.out_features == 3
    assert nr_models.bert(BERT, num_labels=4).classifier.out_features == 4
    vit = nr_models.from_hf_config(dict(model_type="vit", hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                        intermediate_size=12, image_size=8, patch_size=4, num_labels=3))
    assert vit.encoder.ln.eps == 1e-12 and vit.head.out_features == 3  # HuggingFace's eps, not torchvision's
    res = nr_models.from_hf_config(dict(model_type="resnet", embedding_size=4, hidden_sizes=[8, 8, 16, 16],
                                        depths=[1, 1, 1, 1], layer_type="bottleneck", num_labels=2))
    assert res.layer1[0].conv1.out_channels == 2 and res.fc.in_features == 16


def test_bert_forward_shapes_masks_and_token_types():
    model = nr_models.bert(BERT).eval()
    ids = nr.asarray([[2, 5, 7, 3], [2, 9, 3, 0]])
    with nr.no_grad():
        seq, pooled = model(ids, attention_mask=nr.asarray([[1, 1, 1, 1], [1, 1, 1, 0]]),
                            token_type_ids=nr.asarray([[0, 0, 1, 1], [0, 0, 0, 0]]))
        short, _ = model(nr.asarray([[2, 9, 3]]))
    assert seq.shape == (2, 4, 16) and pooled.shape == (2, 16)
    # a padded position changes nothing for the others: same as the unpadded three-token sequence
    np.testing.assert_allclose(seq.numpy()[1, :3], short.numpy()[0], atol=1e-5)
    with pytest.raises(ValueError, match="attention_mask"):
        model(ids, attention_mask=nr.ones((2, 3), dtype=nr.int64))


@pytest.mark.parametrize("build, config, match", [
    (nr_models.gpt2, {**GPT2, "n_head": 3}, "n_embd .16. must be divisible by n_head .3."),
    (nr_models.gpt2, {**GPT2, "activation_function": "gelu_10"}, "activation 'gelu_10' is not supported"),
    (nr_models.gpt2, {**GPT2, "n_layer": 0}, r"config\['n_layer'\] must be a positive int"),
    (nr_models.gpt2, {**GPT2, "add_cross_attention": True}, "add_cross_attention"),
    (nr_models.bert, {**BERT, "position_embedding_type": "relative_key"}, "position_embedding_type"),
    (nr_models.bert, {**BERT, "is_decoder": True}, "decoder"),
    (nr_models.from_hf_config, {"model_type": "llama"}, "model_type 'llama' is not supported"),
    (nr_models.from_hf_config, {"model_type": "vit", "qkv_bias": False}, "qkv_bias"),
    (nr_models.from_hf_config, {"model_type": "resnet", "layer_type": "basic", "downsample_in_first_stage": True},
     "downsample_in_first_stage=True"),
])
def test_configs_that_do_not_fit_are_refused_by_name(build, config, match):
    with pytest.raises(ValueError, match=match):
        build(config)


def test_config_type_and_input_checks():
    with pytest.raises(TypeError, match="HuggingFace config dict"):
        nr_models.gpt2(42)
    model = nr_models.gpt2(GPT2)
    with pytest.raises(TypeError, match="input_ids must be an nr integer array"):
        model([[1, 2]])
    with pytest.raises(ValueError, match="batch, seq"):
        model(nr.zeros((1, 0), dtype=nr.int64))
    with pytest.raises(ValueError, match="VisionTransformer: expects 16x16 images"):
        nr_models.VisionTransformer(16, 8, 1, 2, 8, 16)(nr.zeros((1, 3, 32, 32)))
    with pytest.raises(ValueError, match="divisible by patch_size"):
        nr_models.VisionTransformer(15, 8, 1, 2, 8, 16)
    with pytest.raises(ValueError, match="ResNet: expects images"):
        nr_models.resnet18()(nr.zeros((3, 32, 32)))
    with pytest.raises(ValueError, match="four stages"):
        nr_models.ResNet(nr_models.BasicBlock, [1, 1, 1])
    with pytest.raises(ValueError, match="make_layers"):
        nr_models.make_layers([8, "X"])


def test_the_names_fixed_by_the_api_contract_exist():
    for name in ("resnet18", "resnet34", "resnet50", "vgg11", "vgg16", "vgg16_bn", "mobilenet_v2", "vit_b_16",
                 "gpt2", "bert", "load_pretrained"):
        assert callable(getattr(nr_models, name)), name
    assert all(hasattr(nr_models, n) for n in nr_models.__all__)
    assert nr_models.resnet50(num_classes=7).fc.out_features == 7


def test_tokenizers_is_optional_and_its_absence_says_what_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tokenizers", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'nr-models\[text\]'"):
        nr_models.train_bpe(["some text"], 300)
