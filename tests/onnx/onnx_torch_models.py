"""PyTorch models for the import tests and the acceptance report, and their export with PyTorch 2.13's
``torch.onnx.export`` (the TorchScript exporter, ``dynamo=False``, which works offline)."""
import warnings

import torch


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


def export(name: str, path: str, batch: int = 7):
    """(model in eval mode, example input) after writing ``name``'s ONNX file to ``path`` with a dynamic batch."""
    torch.manual_seed(0)
    make, shape = MODELS[name]
    m = make()
    if name == "cnn":  # non-trivial running statistics, so eval-mode BatchNorm is really tested
        with torch.no_grad():
            m.f[1].running_mean.uniform_(-1, 1)
            m.f[1].running_var.uniform_(0.5, 2)
    m.eval()
    x = torch.randn((batch,) + shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), str(path), input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False, opset_version=17)
    return m, x
