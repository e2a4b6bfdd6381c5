"""Train the digits CNN, export it to ONNX, and run the file in onnxruntime and in nr's own importer.

    python examples/export_onnx.py [--device cpu] [--epochs 4] [--out out/]

Prints the held-out accuracy of each and the largest difference between their outputs and nr's.
"""
import argparse
import os

import numpy as np

import nr_core as nr
import nr_nn.onnx as nx
import nr_optim as optim
from _device import best_device
from _digits import digits_arrays, digits_datasets
from _loop import accuracy, fit
from demo import DigitsCNN


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--out", default="out")
    args = ap.parse_args()
    device = best_device(args.device)
    nr.random.seed(0)
    train_set, test_set = digits_datasets(image=True)
    model = DigitsCNN().to(device)
    fit(model, train_set, optim.Adam(model.parameters(), lr=3e-3), device, args.epochs)
    x_all, y_all = digits_arrays(image=True)
    x_test, y_test = x_all[test_set.indices], y_all[test_set.indices]
    print(f"nr on {device}: held-out accuracy {accuracy(model, x_test, y_test, device):.4f}")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits_cnn.onnx")
    model.eval()
    nx.export(model, nr.asarray(x_test[:1], device=device), path, input_names=["image"], output_names=["logits"],
              dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    print(f"exported {path} ({os.path.getsize(path)} bytes)")
    with nr.no_grad():
        ours = model(nr.asarray(x_test, device=device)).numpy()

    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    in_ort = session.run(None, {"image": x_test})[0]
    print(f"onnxruntime {ort.__version__}: held-out accuracy {np.mean(in_ort.argmax(1) == y_test):.4f}, "
          f"max difference {np.abs(in_ort - ours).max():.3g}")

    loaded = nx.load(path, device=device)
    with nr.no_grad():
        in_nr = loaded(nr.asarray(x_test, device=device)).numpy()
    print(f"nr importer on {device}: held-out accuracy {np.mean(in_nr.argmax(1) == y_test):.4f}, "
          f"max difference {np.abs(in_nr - ours).max():.3g}")


if __name__ == "__main__":
    main()
