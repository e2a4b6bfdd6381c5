"""The acceptance figures of the ONNX work, printed: largest absolute differences of the export round trips
(onnxruntime, onnx's ReferenceEvaluator and nr's importer against nr, batch 1 and 7 through one file with a
dynamic batch axis) and of PyTorch 2.13 exports imported by nr (against PyTorch).

    python tests/onnx/acceptance.py
"""
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch
from onnx.reference import ReferenceEvaluator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nr_core as nr  # noqa: E402
import nr_nn.onnx as nx  # noqa: E402
import onnx_torch_models as torch_models  # noqa: E402
from onnx_models import NAMES, example  # noqa: E402


def main() -> int:
    folder = tempfile.mkdtemp()
    worst = 0.0
    print(f"{'nr model':<12}{'batch':>6}{'onnxruntime':>14}{'reference':>12}{'nr import':>12}")
    for name in NAMES:
        model, x = example(name, 7)
        path = os.path.join(folder, f"{name}.onnx")
        nx.export(model, (x,), path, input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "b"}, "y": {0: "b"}})
        sess, ref, back = ort.InferenceSession(path, providers=["CPUExecutionProvider"]), ReferenceEvaluator(path), \
            nx.load(path)
        for b in (1, 7):
            with nr.no_grad():
                want, mine = model(x[:b]).numpy(), back(x[:b]).numpy()
            d = [np.abs(sess.run(None, {"x": x[:b].numpy()})[0] - want).max(),
                 np.abs(ref.run(None, {"x": x[:b].numpy()})[0] - want).max(), np.abs(mine - want).max()]
            worst = max(worst, *d)
            print(f"{name:<12}{b:>6}{d[0]:>14.2e}{d[1]:>12.2e}{d[2]:>12.2e}")
    print(f"\n{'torch model':<12}{'batch':>6}{'nr import':>14}")
    for name in sorted(torch_models.MODELS):
        path = os.path.join(folder, f"torch_{name}.onnx")
        m, x = torch_models.export(name, path)
        loaded = nx.load(path)
        for b in (1, 7):
            with torch.no_grad(), nr.no_grad():
                d = np.abs(loaded(nr.asarray(x[:b].numpy())).numpy() - m(x[:b]).numpy()).max()
            worst = max(worst, d)
            print(f"{name:<12}{b:>6}{d:>14.2e}")
    print(f"\nlargest difference {worst:.2e} (tolerance 1e-5): {'PASS' if worst <= 1e-5 else 'FAIL'}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
