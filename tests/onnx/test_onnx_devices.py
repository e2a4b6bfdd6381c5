"""Export and import away from the CPU backend: on OpenCL (PoCL here) nr_nn's conv and pooling run through their
decompositions, yet the trace still holds them as single ops (Conv, MaxPool); an imported model runs there too."""
import numpy as np
import pytest

import nr_core as nr
import nr_nn.onnx as nx
from onnx_models import example

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")


def _device(kind):
    for d in nr.__array_namespace_info__().devices():
        if d.kind == kind:
            return str(d)
    pytest.skip(f"no {kind} device on this machine")


def test_export_from_opencl_keeps_fused_ops_and_import_runs_there(tmp_path):
    dev = _device("opencl")
    model, x = example("cnn", 3)
    model.to(dev)
    xd = x.to_device(dev)
    path = tmp_path / "cnn.onnx"
    proto = nx.export(model, (xd,), path, input_names=["x"], dynamic_axes={"x": [0]})
    ops = {n.op_type for n in proto.graph.node}
    assert {"Conv", "MaxPool", "AveragePool"} <= ops and "Slice" not in ops
    with nr.no_grad():
        want = model(xd).numpy()
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    loaded = nx.load(path, device=dev)
    with nr.no_grad():
        out = loaded(xd)
    assert out.device == xd.device
    np.testing.assert_allclose(out.numpy(), want, rtol=0, atol=1e-5)
