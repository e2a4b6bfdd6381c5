"""What the exporter refuses, and how: every unsupported op of a model in one error naming its layers;
value-dependent Python control flow reported (an error, or a warning with strict=False); a graph whose structure
changes with a dynamic axis refused; bad arguments caught before tracing."""
import io

import numpy as np
import pytest

import nr_core as nr
import nr_nn as nn
import nr_nn.functional as F
import nr_nn.onnx as nx

pytest.importorskip("onnx")


class Sorter(nn.Module):
    def forward(self, x):
        return nr.sort(x, axis=-1)


class Angle(nn.Module):
    def forward(self, x):
        return nr.atan2(x, x + 1.0)


class Indices(nn.Module):
    def forward(self, x):
        out, idx = F.max_pool2d(x, 2, return_indices=True)
        return out + nr.astype(idx, nr.float32)


class ThreeProblems(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.sort = Sorter()
        self.angle = Angle()
        self.again = Sorter()

    def forward(self, x):
        return self.again(self.angle(self.sort(self.fc(x))))


def test_every_unsupported_op_is_listed_once_with_its_layers():
    with pytest.raises(nx.OnnxExportError) as info:
        nx.export(ThreeProblems(), nr.ones((2, 4)), io.BytesIO())
    msg = str(info.value)
    assert "2 op(s) cannot be exported to ONNX opset 17: atan2, sort" in msg
    assert "sort in layer 'sort' (Sorter)" in msg and "sort in layer 'again' (Sorter)" in msg
    assert "atan2 in layer 'angle' (Angle)" in msg
    assert "fc" not in msg.split("\n", 1)[1]  # the Linear layer exports fine


def test_an_unsupported_use_of_a_supported_op_is_named():
    with pytest.raises(nx.OnnxExportError, match=r"max_pool in the top level: max_pool's kernel offsets"):
        nx.export(Indices(), nr.ones((1, 1, 4, 4)), io.BytesIO())


class Branchy(nn.Module):
    def forward(self, x):
        if float(nr.sum(x)) > 0:
            return x * 2.0
        return -x


def test_value_dependent_branches_are_refused_or_warned():
    x = nr.ones((2, 3))
    with pytest.raises(nx.OnnxExportError, match=r"__float__\(\) on .* at .*test_export_errors.py:\d+"):
        nx.export(Branchy(), x, io.BytesIO())
    with pytest.warns(nx.TracerWarning, match="baked into the graph"):
        proto = nx.export(Branchy(), x, io.BytesIO(), strict=False)
    assert [n.op_type for n in proto.graph.node if n.op_type != "Constant"] == ["Mul", "Identity"]


class PerRow(nn.Module):
    def forward(self, x):
        return nr.stack([x[i] * float(i) for i in range(x.shape[0])], axis=0)


def test_control_flow_over_a_dynamic_axis_is_refused_but_a_static_export_works():
    x = nr.ones((3, 2))
    with pytest.raises(nx.OnnxExportError, match="changes when dynamic axis 'batch' changes size"):
        nx.export(PerRow(), x, io.BytesIO(), input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    ort = pytest.importorskip("onnxruntime")
    buf = io.BytesIO()
    nx.export(PerRow(), x, buf, input_names=["x"])
    out = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})[0]
    np.testing.assert_array_equal(out, [[0, 0], [1, 1], [2, 2]])


def test_bad_arguments_are_caught_first():
    m = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"opset_version must be an int in \[13, "):
        nx.export(m, nr.ones((1, 2)), io.BytesIO(), opset_version=7)
    with pytest.raises(TypeError, match="args must be an nr array"):
        nx.export(m, np.ones((1, 2)), io.BytesIO())
    with pytest.raises(ValueError, match="dynamic axis 5 of input 'input_0' is out of range"):
        nx.export(m, nr.ones((1, 2)), io.BytesIO(), dynamic_axes={"input_0": [5]})
    with pytest.raises(ValueError, match="input_names must be 1 distinct"):
        nx.export(m, nr.ones((1, 2)), io.BytesIO(), input_names=[])


def test_training_mode_is_restored_and_dropout_is_exported_as_inference():
    m = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    m.train()
    proto = nx.export(m, nr.ones((2, 3)), io.BytesIO())
    assert m.training and m[1].training
    assert "RandomUniform" not in {n.op_type for n in proto.graph.node}


def test_a_plain_function_exports_and_writes_atomically(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    path = tmp_path / "f.onnx"
    nx.export(lambda a, b: nr.maximum(a, b) * 2.0 - nr.sqrt(nr.abs(b)), (nr.ones((2, 2)), nr.ones((2, 2)) * -4.0),
              path, input_names=["a", "b"])
    assert [p.name for p in tmp_path.iterdir()] == ["f.onnx"]  # no temporary file left beside it
    out = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"a": np.ones((2, 2), np.float32), "b": np.full((2, 2), -4.0, np.float32)})[0]
    np.testing.assert_allclose(out, np.full((2, 2), 0.0))


def test_nr_nn_imports_without_onnx_and_export_says_what_to_install():
    import subprocess
    import sys
    code = ("import sys, nr_nn, nr_nn.onnx; assert 'onnx' not in sys.modules, 'onnx imported'\n"
            "sys.modules['onnx'] = None  # as if onnx were not installed\n"
            "import nr_core as nr\n"
            "try:\n"
            "    nr_nn.onnx.export(nr_nn.Linear(2, 2), nr.ones((1, 2)), 'x.onnx')\n"
            "except ImportError as e:\n"
            "    print('refused:', e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "refused: nr_nn.onnx needs the 'onnx' package: pip install 'nr-nn[onnx]'" in \
        r.stdout, r.stdout + r.stderr


class FixedBatch(nn.Module):
    def forward(self, x):
        return nr.reshape(x, (2, 2, 3))        # only works for a batch of 4


class Quarter(nn.Module):
    def forward(self, x):
        return nr.reshape(x, (4, -1))          # the second dim is 3/4 of the batch: no integer affine form


def test_a_model_that_cannot_follow_a_dynamic_axis_is_explained():
    with pytest.raises(nx.OnnxExportError, match=r"traced again with that axis 2 times as long, and that call "
                                                 r"failed: ValueError"):
        nx.export(FixedBatch(), nr.ones((4, 3)), io.BytesIO(), input_names=["x"], dynamic_axes={"x": [0]})
    with pytest.raises(nx.OnnxExportError, match=r"is 3, 6, 9 for 'x_dim0' = 4, 8, 12: not an affine function"):
        nx.export(Quarter(), nr.ones((4, 3)), io.BytesIO(), input_names=["x"], dynamic_axes={"x": [0]})


def test_an_onnxruntime_that_would_refuse_the_file_is_named_at_export(monkeypatch):
    ort = pytest.importorskip("onnxruntime")
    from nr_nn.onnx import exporter
    assert exporter.runtime_refusal(17, 8) is None  # the installed runtime takes what export writes by default

    class OldRuntime:
        def __init__(self, payload, providers=None):
            raise RuntimeError("Unsupported model IR version: 8, max supported IR version: 7")

    monkeypatch.setattr(ort, "InferenceSession", OldRuntime)
    exporter.runtime_refusal.cache_clear()
    try:
        with pytest.warns(UserWarning, match=r"onnxruntime .* refuses opset 17 / IR version 8: Unsupported model IR"):
            nx.export(nn.Linear(2, 2), nr.ones((1, 2)), io.BytesIO())
    finally:
        exporter.runtime_refusal.cache_clear()
