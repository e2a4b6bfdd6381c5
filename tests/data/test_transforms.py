"""Transforms against hand-worked values, numpy, torch's interpolate and Pillow."""
from __future__ import annotations

import colorsys

import numpy as np
import nr_core as nr
import pytest
from nr_data import transforms as T


def img(h=4, w=5, c=1, dtype=np.float32):
    return np.arange(c * h * w, dtype=dtype).reshape(c, h, w)


def test_to_tensor_pil_and_ndarray():
    Image = pytest.importorskip("PIL.Image")
    hwc = np.random.default_rng(0).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    for pic in (hwc, Image.fromarray(hwc)):
        out = T.ToTensor()(pic)
        assert out.dtype == nr.float32 and out.shape == (3, 3, 4)
        np.testing.assert_allclose(out.numpy(), hwc.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    gray = T.ToTensor()(Image.fromarray(hwc[:, :, 0]))
    assert gray.shape == (1, 3, 4)
    f64 = T.ToTensor()(np.ones((2, 2), dtype=np.float64) * 7)
    assert f64.dtype == nr.float64 and f64.numpy().max() == 7.0  # no scaling for non-uint8
    with pytest.raises(TypeError, match="PIL Image or a numpy array"):
        T.ToTensor()(nr.ones((1, 2, 2)))


def test_normalize():
    x = np.random.default_rng(1).random((3, 4, 5), dtype=np.float32)
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.5]
    out = T.Normalize(mean, std)(nr.asarray(x))
    ref = (x - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    xi = nr.asarray(x.copy())
    assert T.Normalize(mean, std, inplace=True)(xi) is xi
    np.testing.assert_allclose(xi.numpy(), ref, rtol=1e-6)
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize([0.0], [0.0])
    with pytest.raises(ValueError, match="2 values for an array with 3 channels"):
        T.Normalize([0.1, 0.2], [1, 1])(nr.asarray(x))


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("size", [(7, 3), (2, 9), (4, 5)])
def test_resize_matches_torch_interpolate(mode, size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).random((2, 4, 5), dtype=np.float32)
    out = T.Resize(size, interpolation=mode)(nr.asarray(x))
    kwargs = {"align_corners": False} if mode == "bilinear" else {}
    ref = torch.nn.functional.interpolate(torch.from_numpy(x)[None], size=size, mode=mode, **kwargs)[0]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_resize_smaller_edge_and_pil():
    assert T.Resize(2)(img(4, 8)).shape == (1, 2, 4)
    assert T.Resize(2, max_size=3)(img(4, 8)).shape == (1, 1, 3)
    u8 = T.Resize((2, 2))(img(4, 4, dtype=np.uint8))
    assert u8.dtype == np.uint8
    Image = pytest.importorskip("PIL.Image")
    pil = Image.fromarray(np.zeros((10, 20, 3), np.uint8))
    assert T.Resize(5)(pil).size == (10, 5)
    with pytest.raises(ValueError, match="bicubic"):
        T.Resize(3, interpolation="bicubic")(img())


def test_center_crop_and_pad():
    x = img(5, 5)
    np.testing.assert_array_equal(T.CenterCrop(3)(x), x[:, 1:4, 1:4])
    np.testing.assert_array_equal(T.CenterCrop((2, 4))(x), x[:, 2:4, 0:4])  # round(1.5) = 2, round(0.5) = 0
    big = T.CenterCrop(7)(nr.asarray(x)).numpy()
    assert big.shape == (1, 7, 7) and big[0, 0].sum() == 0 and np.array_equal(big[:, 1:6, 1:6], x)
    padded = T.Pad(1, fill=9)(np.ones((1, 2, 2), np.float32))
    assert padded.shape == (1, 4, 4) and padded[0, 0, 0] == 9 and padded[0, 1, 1] == 1
    np.testing.assert_array_equal(T.Pad((1, 2), padding_mode="reflect")(x),
                                  np.pad(x, ((0, 0), (2, 2), (1, 1)), mode="reflect"))
    np.testing.assert_array_equal(T.Pad((0, 1, 2, 3), padding_mode="edge")(x),
                                  np.pad(x, ((0, 0), (1, 3), (0, 2)), mode="edge"))
    Image = pytest.importorskip("PIL.Image")
    rgb = np.random.default_rng(3).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    out = np.asarray(T.Pad(2, fill=(1, 2, 3))(Image.fromarray(rgb)))
    assert out.shape == (7, 8, 3) and out[0, 0].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(out[2:5, 2:6], rgb)


def test_random_crop_seeded_positions():
    x = img(6, 7)
    out = T.RandomCrop((3, 4), generator=5)(x)
    g = np.random.default_rng(5)
    i, j = g.integers(0, 4), g.integers(0, 4)
    np.testing.assert_array_equal(out, x[:, i:i + 3, j:j + 4])
    nr.random.seed(0)
    a = T.RandomCrop(3)(nr.asarray(x)).numpy()
    nr.random.seed(0)
    np.testing.assert_array_equal(T.RandomCrop(3)(nr.asarray(x)).numpy(), a)
    padded = T.RandomCrop(8, pad_if_needed=True, generator=0)(x)
    assert padded.shape == (1, 8, 8)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(9)(x)


def test_random_resized_crop():
    x = np.random.default_rng(4).random((3, 10, 10), dtype=np.float32)
    full = T.RandomResizedCrop(10, scale=(1.0, 1.0), ratio=(1.0, 1.0), generator=0)(x)
    np.testing.assert_allclose(full, x, rtol=1e-6)  # the whole image, resized to its own size
    out = T.RandomResizedCrop((4, 6), generator=1)(nr.asarray(x))
    assert out.shape == (3, 4, 6)
    i, j, h, w = T.RandomResizedCrop(4, generator=2).get_params(10, 10)
    assert 0 <= i <= 10 - h and 0 <= j <= 10 - w and 0.08 * 100 * 0.7 <= h * w <= 100


def test_flips():
    x = img(3, 4)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(nr.asarray(x)).numpy(), x[..., ::-1, :])
    assert T.RandomHorizontalFlip(p=0.0)(x) is x
    flip = T.RandomHorizontalFlip(generator=0)
    flips = [flip(x)[0, 0, 0] == 3 for _ in range(200)]
    assert 60 < sum(flips) < 140
    Image = pytest.importorskip("PIL.Image")
    rgb = np.random.default_rng(0).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(Image.fromarray(rgb))), rgb[:, ::-1])


def test_rotation():
    x = np.random.default_rng(5).random((2, 5, 5), dtype=np.float32)
    rot = T.RandomRotation((90, 90))(nr.asarray(x)).numpy()
    np.testing.assert_array_equal(rot, np.rot90(x, k=1, axes=(1, 2)))  # counter-clockwise
    np.testing.assert_allclose(T.RandomRotation((0, 0), interpolation="bilinear")(x), x, rtol=1e-6)
    rect = img(2, 3)
    np.testing.assert_array_equal(T.RandomRotation((-90, -90), expand=True)(rect), np.rot90(rect, k=-1, axes=(1, 2)))
    corner = T.RandomRotation((45, 45), fill=-1)(np.ones((1, 5, 5), np.float32))
    assert corner[0, 0, 0] == -1 and corner[0, 2, 2] == 1
    # a half-pixel shift, worked by hand: rotating 2x2 [[0, 1], [2, 3]] by 180 about its centre is exact
    np.testing.assert_allclose(T.RandomRotation((180, 180), interpolation="bilinear")(img(2, 2)),
                               [[[3, 2], [1, 0]]], atol=1e-6)
    Image = pytest.importorskip("PIL.Image")
    rgb = np.random.default_rng(6).integers(0, 256, (5, 5, 3), dtype=np.uint8)
    out = np.asarray(T.RandomRotation((90, 90))(Image.fromarray(rgb)))
    np.testing.assert_array_equal(out, np.rot90(rgb, k=1))


def test_color_jitter_against_hand_and_colorsys():
    x = np.random.default_rng(7).random((3, 4, 4))
    np.testing.assert_allclose(T.ColorJitter(brightness=(0.5, 0.5))(x), x * 0.5)
    gray = 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    np.testing.assert_allclose(T.ColorJitter(contrast=(0.0, 0.0))(x), np.broadcast_to(gray.mean(), x.shape))
    np.testing.assert_allclose(T.ColorJitter(saturation=(0.0, 0.0))(x), np.broadcast_to(gray, x.shape))
    shifted = T.ColorJitter(hue=(0.25, 0.25))(x)
    for r in range(4):
        for c in range(4):
            h, s, v = colorsys.rgb_to_hsv(*x[:, r, c])
            np.testing.assert_allclose(shifted[:, r, c], colorsys.hsv_to_rgb((h + 0.25) % 1.0, s, v), atol=1e-9)
    u8 = (x * 255).astype(np.uint8)
    out = T.ColorJitter(brightness=(2.0, 2.0))(u8)
    assert out.dtype == np.uint8 and np.array_equal(out, np.clip(u8.astype(np.float64) * 2, 0, 255).astype(np.uint8))
    Image = pytest.importorskip("PIL.Image")
    pil = Image.fromarray(u8.transpose(1, 2, 0))
    assert T.ColorJitter(0.4, 0.4, 0.4, 0.1, generator=0)(pil).size == (4, 4)
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.7)


def test_sequence_transforms():
    assert T.PadSequence(5)([1, 2, 3]) == [1, 2, 3, 0, 0]
    left = T.PadSequence(4, value=-1, side="left")(nr.asarray([7, 8]))
    assert left.tolist() == [-1, -1, 7, 8]
    with pytest.raises(ValueError, match="Truncate first"):
        T.PadSequence(2)([1, 2, 3])
    assert T.Truncate(2)(np.arange(5)).tolist() == [0, 1]
    assert T.Truncate(2, side="left")([0, 1, 2, 3]) == [2, 3]
    win = T.SlidingWindow(3, step=2)(nr.asarray(np.arange(14).reshape(7, 2)))
    assert win.shape == (3, 3, 2)
    np.testing.assert_array_equal(win.numpy()[1], np.arange(14).reshape(7, 2)[2:5])
    with pytest.raises(ValueError, match="shorter than the window"):
        T.SlidingWindow(4)([1, 2])


def test_compose_and_lambda():
    t = T.Compose([T.ToTensor(), T.Lambda(lambda a: a * 2), T.Normalize([1.0], [0.5])])
    out = t(np.full((2, 2), 255, np.uint8))
    np.testing.assert_allclose(out.numpy(), np.full((1, 2, 2), 2.0))
    with pytest.raises(TypeError, match="callable"):
        T.Compose([1])


def test_color_jitter_scales_wide_integer_images_by_their_dtype_max():
    from nr_data.transforms import ColorJitter
    img = np.full((3, 4, 4), 1000, dtype=np.uint16)
    out = ColorJitter(brightness=(1.0, 1.0))(img)  # factor 1: the image must come back unchanged
    assert out.dtype == np.uint16 and np.all(np.asarray(out) == 1000)
