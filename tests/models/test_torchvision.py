"""torchvision's own structure, parameter counts, logits and preprocessing, against fixtures written by
torchvision itself (``make_torchvision_fixtures.py``; torchvision cannot be installed beside torch 2.13.0)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

import nr_core as nr
import nr_models
from _weights import fixture_image, fixture_input, fixture_state

FIXTURES = json.loads((Path(__file__).with_name("torchvision_fixtures.json")).read_text())
MODELS = FIXTURES["models"]
SMALL = {
    "mobilenet_v2_w035_c10": lambda: nr_models.MobileNetV2(num_classes=10, width_mult=0.35),
    "vit_i32_p8_l2_h2_d16_m32_c5": lambda: nr_models.VisionTransformer(image_size=32, patch_size=8, num_layers=2,
                                                                       num_heads=2, hidden_dim=16, mlp_dim=32,
                                                                       num_classes=5),
}


@functools.lru_cache(maxsize=None)
def built(name: str):
    """One instance per model for the whole module (VGG's 138M parameters take seconds to create)."""
    return getattr(nr_models, name)(**({"init_weights": False} if name.startswith("vgg") else {}))


def _keys(model) -> list:
    return [[k, list(v.shape), v.dtype.name] for k, v in model.state_dict().items()]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_state_dict_keys_shapes_and_parameter_count_are_torchvisions(name):
    model = built(name)
    assert _keys(model) == MODELS[name]["keys"]  # same names, shapes, dtypes, in the same order
    assert sum(p.size for p in model.parameters()) == MODELS[name]["published_num_params"]


def test_resnet18_parameter_count_is_the_published_figure():
    assert MODELS["resnet18"]["published_num_params"] == 11_689_512
    assert sum(p.size for p in built("resnet18").parameters()) == 11_689_512


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "vgg16"])
def test_torchvision_named_state_dict_loads_strictly(name):
    model = built(name)
    dtypes = {"float32": np.float32, "int64": np.int64}
    state = {k: np.full(s, i % 97 + 1, dtype=dtypes[dt]) for i, (k, s, dt) in enumerate(MODELS[name]["keys"])}
    assert nr_models.load_pretrained(model, state, source="torchvision") == ([], [], [])  # strict by default
    for key, value in model.state_dict().items():  # every entry landed where torchvision's name says
        assert value.shape == state[key].shape and value.numpy().flat[0] == state[key].flat[0], key
    result = model.load_state_dict(state, strict=True)  # and nr_nn's own strict load agrees
    assert result.missing_keys == [] and result.unexpected_keys == []


def _check_logits(model, entry, with_grad: bool = False):
    dtype = nr.float64 if entry["dtype"] == "float64" else nr.float32
    model = model.to(dtype).eval()
    nr_models.load_pretrained(model, fixture_state({k: s for k, s, _ in entry["keys"]}), source="torchvision")
    x = nr.asarray(fixture_input(entry["input_shape"]), dtype=dtype, requires_grad=with_grad)
    logits = model(x)
    ref = np.asarray(entry["logits"])
    tol = 1e-10 if dtype is nr.float64 else 2e-5
    np.testing.assert_allclose(logits.detach().numpy(), ref, rtol=tol, atol=tol * np.abs(ref).max())
    if with_grad:
        ((logits ** 2).sum() / 2).backward()
        grad = x.grad.numpy()[:, :, ::4, ::4]
        want = np.asarray(entry["input_grad_strided"])
        np.testing.assert_allclose(grad, want, rtol=1e-10, atol=1e-10 * np.abs(want).max())


@pytest.mark.parametrize("name", [n for n in sorted(MODELS) if "logits" in MODELS[n]])
def test_logits_match_torchvision_with_the_same_weights(name):
    _check_logits(getattr(nr_models, name)(), MODELS[name])


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_configurations_match_torchvision_logits_and_input_gradients(name):
    model = SMALL[name]()
    assert _keys(model) == FIXTURES["small"][name]["keys"]
    _check_logits(model, FIXTURES["small"][name], with_grad=True)


@pytest.mark.parametrize("name", ["resnet18", "vit_b_16", "mobilenet_v2"])
def test_bundled_preprocessing_matches_torchvisions_on_a_pil_image(name):
    from PIL import Image
    ref = FIXTURES["preprocessing"][name]
    preset = nr_models.IMAGENET
    assert [preset.resize_size] == ref["resize_size"] and [preset.crop_size] == ref["crop_size"]
    assert list(preset.mean) == ref["mean"] and list(preset.std) == ref["std"]
    assert preset.interpolation == ref["interpolation"]
    out = built(name).transforms()(Image.fromarray(fixture_image()))
    assert list(out.shape) == ref["output_shape"] and out.dtype is nr.float32
    arr = out.numpy()
    np.testing.assert_allclose(arr[:, ::28, ::28], ref["output_strided"], atol=1e-5)
    np.testing.assert_allclose(arr.mean(axis=(1, 2)), ref["output_channel_mean"], atol=1e-5)


def test_preprocessing_accepts_uint8_and_float_arrays():
    img = fixture_image().transpose(2, 0, 1)  # C, H, W
    t = nr_models.ImagePreset(resize_size=64, crop_size=56).transforms()
    from_uint8 = t(img).numpy()
    from_float = t(nr.asarray(img.astype(np.float32) / 255.0)).numpy()
    assert from_uint8.shape == (3, 56, 56)
    # uint8 images are resized as uint8 (rounded, as torchvision does): half a grey level, normalised
    np.testing.assert_allclose(from_uint8, from_float, atol=0.5 / 255 / 0.224 + 1e-6)
    # by hand: the centre pixel of channel 0 after bilinear resize of a constant image is the constant
    flat = t(np.full((3, 100, 120), 255, dtype=np.uint8)).numpy()
    np.testing.assert_allclose(flat[0], (1.0 - 0.485) / 0.229, rtol=1e-6)
    with pytest.raises(TypeError, match="preprocessing"):
        t(np.zeros((3, 70, 70), dtype=np.int32))
