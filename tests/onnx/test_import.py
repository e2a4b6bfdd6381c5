"""The importer on models PyTorch 2.13 exported (``torch.onnx.export``, the TorchScript exporter that works
offline): outputs equal PyTorch's to 1e-5, gradients through the imported parameters equal PyTorch's autograd,
fine-tuning lowers the loss, and the model runs on the device asked for."""
import numpy as np
import pytest

import nr_core as nr
import nr_nn.onnx as nx
import nr_optim as optim

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
from onnx_torch_models import MODELS, export  # noqa: E402


@pytest.fixture(scope="module", params=sorted(MODELS))
def torch_export(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("torch") / f"{request.param}.onnx"
    m, x = export(request.param, path)
    return request.param, m, x, path


@pytest.mark.parametrize("batch", [1, 7])
def test_outputs_match_pytorch(torch_export, batch):
    name, m, x, path = torch_export
    loaded = nx.load(path)
    with torch.no_grad():
        want = m(x[:batch]).numpy()
    with nr.no_grad():
        got = loaded(nr.asarray(x[:batch].numpy())).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5, err_msg=name)


def test_gradients_match_pytorch_and_fine_tuning_lowers_the_loss(torch_export):
    name, m, x, path = torch_export
    loaded = nx.load(path)
    params = dict(loaded.named_parameters())
    assert params and all(p.requires_grad for p in params.values())
    # the loss of both models on the same data; the parameter gradients agree where the names tie up
    target = torch.randn(m(x).shape)
    loss_t = ((m(x) - target) ** 2).mean()
    loss_t.backward()
    out = loaded(nr.asarray(x.numpy()))
    loss = nr.mean((out - nr.asarray(target.numpy())) ** 2)
    loss.backward()
    np.testing.assert_allclose(float(loss), loss_t.item(), rtol=1e-5)
    tied = [(k, p) for k, p in m.named_parameters() if k in params]
    assert len(tied) >= 2, f"{name}: expected torch parameter names among {list(params)}"
    for k, p in tied:
        np.testing.assert_allclose(params[k].grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=k)
    opt = optim.SGD(loaded.parameters(), lr=0.05)
    first = float(loss)
    for _ in range(5):
        opt.zero_grad()
        loss = nr.mean((loaded(nr.asarray(x.numpy())) - nr.asarray(target.numpy())) ** 2)
        loss.backward()
        opt.step()
    assert float(loss) < first


def test_loads_onto_the_device_asked_for(torch_export):
    name, m, x, path = torch_export
    loaded = nx.load(path, device="cpu:1")
    assert {p.device for p in loaded.parameters()} == {nr.Device("cpu", 1)}
    with nr.no_grad():
        out = loaded(nr.asarray(x.numpy(), device="cpu:1"))
    assert out.device == nr.Device("cpu", 1)
    with torch.no_grad():
        np.testing.assert_allclose(out.numpy(), m(x).numpy(), rtol=0, atol=1e-5)


def test_inputs_by_keyword_and_missing_inputs(torch_export):
    name, m, x, path = torch_export
    loaded = nx.load(path)
    with nr.no_grad():
        a = loaded(x=nr.asarray(x.numpy())).numpy()
    with torch.no_grad():
        np.testing.assert_allclose(a, m(x).numpy(), rtol=0, atol=1e-5)
    with pytest.raises(TypeError, match=r"missing inputs \['x'\]"):
        loaded()
