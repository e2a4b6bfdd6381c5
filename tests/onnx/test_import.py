"""The importer on models PyTorch 2.13 exported (``torch.onnx.export``, the TorchScript exporter that works
offline): outputs equal PyTorch's to 1e-5, gradients through the imported parameters equal PyTorch's autograd,
fine-tuning lowers the loss, and the model runs on the device asked for."""
import warnings

import numpy as np
import pytest

import nr_core as nr
import nr_nn.onnx as nx
import nr_optim as optim

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.f = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
            torch.nn.Dropout(0.3), torch.nn.Linear(16, 10))

    def forward(self, x):
        return self.f(x)


class LSTM(torch.nn.Module):
    def __init__(self, cell=torch.nn.LSTM):
        super().__init__()
        self.rnn = cell(3, 8, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(8, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def _mlp():
    return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10),
                               torch.nn.LogSoftmax(dim=1))


MODELS = {"mlp": (_mlp, (64,)), "cnn": (CNN, (1, 8, 8)), "lstm": (LSTM, (5, 3)),
          "gru": (lambda: LSTM(torch.nn.GRU), (5, 3))}


@pytest.fixture(scope="module", params=sorted(MODELS))
def torch_export(request, tmp_path_factory):
    torch.manual_seed(0)
    make, shape = MODELS[request.param]
    m = make()
    if request.param == "cnn":
        with torch.no_grad():
            m.f[1].running_mean.uniform_(-1, 1)
            m.f[1].running_var.uniform_(0.5, 2)
    m.eval()
    x = torch.randn((7,) + shape)
    path = tmp_path_factory.mktemp("torch") / f"{request.param}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), str(path), input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False, opset_version=17)
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
