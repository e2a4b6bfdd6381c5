"""``load`` on hostile or damaged files: external data outside the model's folder (``..``, absolute paths,
symlinks out), tensors whose declared size exceeds the bytes behind them, truncated and corrupt files, and ops
from unknown domains are all refused with an error naming the tensor/node and the path; nothing from a model is
ever imported or executed."""
import os
import sys

import numpy as np
import pytest

import nr_core as nr
import nr_nn.onnx as nx

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

W = np.arange(12, dtype=np.float32).reshape(3, 4)


def _model(weight: TensorProto, nodes=None, opset=17):
    nodes = nodes or [helper.make_node("MatMul", ["x", "w"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])], initializer=[weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _external(location: str, length=None, offset=0) -> TensorProto:
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 4])
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": location, "offset": str(offset)}
    if length is not None:
        entries["length"] = str(length)
    for k, v in entries.items():
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def _save(model, folder, name="m.onnx"):
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def test_external_data_inside_the_folder_loads(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"\0" * 8 + W.tobytes())
    m = nx.load(_save(_model(_external("weights.bin", 48, 8)), tmp_path))
    with nr.no_grad():
        np.testing.assert_array_equal(m(nr.ones((2, 3))).numpy(), np.ones((2, 3), np.float32) @ W)


@pytest.mark.parametrize("location, why", [
    ("../outside.bin", r"outside the model's folder .* \('\.\.' is refused\)"),
    ("sub/../../outside.bin", r"'\.\.' is refused"),
    ("/etc/passwd", "only relative paths inside the model's folder"),
])
def test_external_data_outside_the_folder_is_refused(tmp_path, location, why):
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "outside.bin").write_bytes(W.tobytes())
    path = _save(_model(_external(location, 48)), folder)
    with pytest.raises(nx.OnnxImportError, match=f"tensor 'w' of .*m.onnx.*{why}"):
        nx.load(path)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "secret.bin").write_bytes(W.tobytes())
    os.symlink(tmp_path / "secret.bin", folder / "weights.bin")
    path = _save(_model(_external("weights.bin", 48)), folder)
    with pytest.raises(nx.OnnxImportError, match=r"tensor 'w' .*resolves to .*secret.bin.* outside the model's "
                                                 r"folder .*symlink"):
        nx.load(path)


def test_declared_sizes_past_the_file_are_refused(tmp_path):
    (tmp_path / "short.bin").write_bytes(W.tobytes()[:20])
    with pytest.raises(nx.OnnxImportError, match=r"tensor 'w' .*declares 48 bytes at offset 0 of .*short.bin.*"
                                                 r"holds only 20 bytes"):
        nx.load(_save(_model(_external("short.bin", 48)), tmp_path))
    with pytest.raises(nx.OnnxImportError, match=r"declares 48 bytes at offset 100"):
        nx.load(_save(_model(_external("short.bin", 48, offset=100)), tmp_path, "b.onnx"))
    with pytest.raises(nx.OnnxImportError, match=r"\(48 bytes\) but its external data entry says 8 bytes"):
        nx.load(_save(_model(_external("short.bin", 8)), tmp_path, "c.onnx"))


def test_inline_tensors_smaller_than_declared_are_refused_without_allocating(tmp_path):
    t = numpy_helper.from_array(W, "w")
    t.raw_data = t.raw_data[:16]
    with pytest.raises(nx.OnnxImportError, match=r"tensor 'w' .*declares shape \[3, 4\] \(48 bytes\) but holds 16"):
        nx.load(_save(_model(t), tmp_path))
    huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20])
    with pytest.raises(nx.OnnxImportError, match=r"declares shape \[1048576, 1048576\] \(\d+ values\) but holds 0"):
        nx.load(_save(_model(huge), tmp_path, "huge.onnx"))


def test_truncated_and_corrupt_files_get_a_clear_error(tmp_path):
    good = _model(numpy_helper.from_array(W, "w")).SerializeToString()
    for cut in (1, 7, len(good) // 3, len(good) // 2, len(good) - 5):
        p = tmp_path / f"cut{cut}.onnx"
        p.write_bytes(good[:cut])
        with pytest.raises(nx.OnnxImportError, match=r"cut\d+\.onnx.*(truncated|corrupt)"):
            nx.load(p)
    rng = np.random.default_rng(0)
    for i in range(5):
        p = tmp_path / f"noise{i}.onnx"
        p.write_bytes(rng.integers(0, 256, 200, dtype=np.uint8).tobytes())
        with pytest.raises(nx.OnnxImportError):
            nx.load(p)
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(nx.OnnxImportError, match="is empty"):
        nx.load(tmp_path / "empty.onnx")
    with pytest.raises(FileNotFoundError, match="no ONNX file"):
        nx.load(tmp_path / "missing.onnx")


def test_ops_from_unknown_domains_are_listed_and_nothing_is_imported(tmp_path):
    nodes = [helper.make_node("MatMul", ["x", "w"], ["a"]),
             helper.make_node("Exec", ["a"], ["b"], domain="os", name="evil"),
             helper.make_node("NotAnOnnxOp", ["b"], ["c"], name="made_up"),
             helper.make_node("Relu", ["c"], ["y"])]
    model = _model(numpy_helper.from_array(W, "w"), nodes)
    model.opset_import.append(helper.make_opsetid("os", 1))
    before = set(sys.modules)
    with pytest.raises(nx.OnnxImportError) as info:
        nx.load(_save(model, tmp_path))
    msg = str(info.value)
    assert "uses 2 op(s) nr cannot run: NotAnOnnxOp, os:Exec" in msg and "(evil)" in msg and "(made_up)" in msg
    assert set(sys.modules) - before == set()


def test_a_node_reading_an_undefined_value_is_refused(tmp_path):
    nodes = [helper.make_node("MatMul", ["x", "nowhere"], ["y"], name="mm")]
    with pytest.raises(nx.OnnxImportError, match=r"node 'mm' \(MatMul\) in graph reads 'nowhere', which nothing"):
        nx.load(_save(_model(numpy_helper.from_array(W, "w"), nodes), tmp_path))
