"""Fine-tuning a small ResNet: pretrain on digits 0-4, then move to digits 5-9 with a new head, first with the
backbone frozen, then unfrozen. scikit-learn's 8x8 digits are upscaled to 32x32 and normalised with the model's
own preset (ImageNet statistics, as a torchvision-pretrained backbone would expect).

    python examples/finetune_resnet_digits.py [--device cpu] [--quick] [--out out]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import nr_core as nr
import nr_data as data
import nr_nn as nn
import nr_optim as optim
import nr_models
from _device import best_device
from _digits import digits_arrays
from _loop import accuracy


def small_resnet(num_classes: int) -> nr_models.ResNet:
    return nr_models.ResNet(nr_models.BasicBlock, [1, 1, 1, 1], num_classes, channels=(16, 32, 64, 128),
                            stem_channels=16)


def images(x: np.ndarray, preset: nr_models.ImagePreset) -> np.ndarray:
    """(N, 1, 8, 8) digits in [0, 1] -> (N, 3, 32, 32), normalised like the model's preprocessing."""
    big = data.transforms.Resize(32)(x)  # bilinear, every image at once ([..., H, W])
    rgb = np.repeat(big, 3, axis=1)
    return data.transforms.Normalize(preset.mean, preset.std)(nr.asarray(rgb)).numpy()


def split(x, y, classes, seed: int):
    keep = np.isin(y, classes)
    x, y = x[keep], y[keep] - classes[0]
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.8 * len(y))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def train(model, params, x, y, device: str, epochs: int, lr: float, backbone_eval: bool = False) -> None:
    """Cross-entropy over ``params``; ``backbone_eval`` keeps BatchNorm on its pretrained statistics."""
    opt = optim.Adam(params, lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    dataset = data.TensorDataset(nr.asarray(x), nr.asarray(y))
    for _ in range(epochs):
        model.eval() if backbone_eval else model.train()
        for xb, yb in data.DataLoader(dataset, batch_size=64, shuffle=True, device=device):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()


def main(device: str, quick: bool, out_dir: str) -> None:
    nr.random.seed(0)
    t0 = time.perf_counter()
    x, y = digits_arrays(image=True)
    x = images(x, nr_models.IMAGENET)
    epochs = (2, 2, 1) if quick else (8, 4, 4)

    (xs, ys), (xs_test, ys_test) = split(x, y, [0, 1, 2, 3, 4], seed=0)
    source = small_resnet(5).to(device)
    train(source, source.parameters(), xs, ys, device, epochs[0], lr=3e-3)
    print(f"pretrained on digits 0-4: held-out accuracy {accuracy(source, xs_test, ys_test, device):.4f}")
    os.makedirs(out_dir, exist_ok=True)
    ckpt = os.path.join(out_dir, "resnet_digits04.safetensors")
    nn.save(source.state_dict(), ckpt)

    (xt, yt), (xt_test, yt_test) = split(x, y, [5, 6, 7, 8, 9], seed=1)
    model = small_resnet(5)
    nr_models.load_pretrained(model, ckpt, source="nr")
    model.replace_head(5)  # digits 5-9: a fresh head
    model.to(device)
    print(f"new head, before training: accuracy {accuracy(model, xt_test, yt_test, device):.4f}")
    model.requires_grad_(False)
    model.head.requires_grad_(True)
    train(model, model.head.parameters(), xt, yt, device, epochs[1], lr=1e-2, backbone_eval=True)
    print(f"head only, backbone frozen: accuracy {accuracy(model, xt_test, yt_test, device):.4f}")
    model.requires_grad_(True)
    train(model, model.parameters(), xt, yt, device, epochs[2], lr=1e-3)
    print(f"fine-tuned, backbone unfrozen: accuracy {accuracy(model, xt_test, yt_test, device):.4f} "
          f"in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--quick", action="store_true", help="few epochs (the test suite's setting)")
    ap.add_argument("--out", default="out")
    args = ap.parse_args()
    main(best_device(args.device), args.quick, args.out)
