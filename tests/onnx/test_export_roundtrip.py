"""Export round trips: each acceptance model, exported once with a dynamic batch axis, gives nr's own outputs
to 1e-5 in onnxruntime and in onnx's ReferenceEvaluator at batch sizes 1 and 7; nr's importer gives them too."""
import numpy as np
import pytest

import nr_core as nr
import nr_nn.onnx as nx
from onnx_models import NAMES, example

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx.reference import ReferenceEvaluator  # noqa: E402

TOL = 1e-5


@pytest.fixture(scope="module", params=NAMES)
def exported(request, tmp_path_factory):
    model, x = example(request.param, 7)
    path = tmp_path_factory.mktemp("onnx") / f"{request.param}.onnx"
    proto = nx.export(model, (x,), str(path), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    return request.param, model, x, path, proto


def _nr(model, x):
    with nr.no_grad():
        return model(x).numpy()


@pytest.mark.parametrize("batch", [1, 7])
def test_onnxruntime_and_reference_evaluator_match_nr(exported, batch):
    name, model, x, path, _ = exported
    xb = x[:batch]
    want = _nr(model, xb)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got_ort = sess.run(None, {"x": xb.numpy()})[0]
    got_ref = ReferenceEvaluator(str(path)).run(None, {"x": xb.numpy()})[0]
    assert got_ort.shape == want.shape == got_ref.shape
    np.testing.assert_allclose(got_ort, want, rtol=0, atol=TOL, err_msg=f"{name} in onnxruntime, batch {batch}")
    np.testing.assert_allclose(got_ref, want, rtol=0, atol=TOL, err_msg=f"{name} in ReferenceEvaluator")


@pytest.mark.parametrize("batch", [1, 7])
def test_nr_importer_matches_nr(exported, batch):
    name, model, x, path, _ = exported
    loaded = nx.load(path)
    with nr.no_grad():
        got = loaded(x[:batch]).numpy()
    np.testing.assert_allclose(got, _nr(model, x[:batch]), rtol=0, atol=TOL, err_msg=name)


def test_file_is_checked_and_declares_a_dynamic_batch(exported):
    name, model, x, path, proto = exported
    m = onnx.load(str(path))
    onnx.checker.check_model(m, full_check=True)
    assert m.opset_import[0].version == 17
    # the lowest IR version opset 17 allows, so an older onnxruntime that knows the opset still loads it
    assert m.ir_version == onnx.helper.find_min_ir_version_for([onnx.helper.make_opsetid("", 17)])
    dims = [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    assert dims[0] == "batch" and all(isinstance(d, int) for d in dims[1:])
    assert m.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    state = {k for k, _ in model.named_parameters()}
    assert state <= {t.name for t in m.graph.initializer}, "parameters keep their state_dict names"


def test_fused_ops_map_to_single_onnx_ops():
    m, x = example("cnn", 2)
    ops = {n.op_type for n in nx.export(m, (x,), _devnull()).graph.node}
    assert {"Conv", "MaxPool", "AveragePool"} <= ops
    t, tokens = example("transformer", 2)
    ops = {n.op_type for n in nx.export(t, (tokens,), _devnull()).graph.node}
    assert {"LayerNormalization", "Softmax", "Erf", "Gather"} <= ops


def _devnull():
    import io
    return io.BytesIO()
